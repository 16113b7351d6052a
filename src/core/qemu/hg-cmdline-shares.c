/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "hg-cmdline-private.h"
#include "hg-share.h"
#include "hg-virtiofsd.h"

/* Shared folders ([share:N], hg-share.h): 9p through QEMU's own local
 * file system driver, or virtiofs through a vhost-user socket that the
 * start binds in the runtime dir for virtiofsd (hg-virtiofsd.h).  Each
 * folder is checked here, at every build: QEMU and virtiofsd are given
 * exactly the checked, canonical folder. */

static const char *
virtio_suffix (HgCmdlineBuilder *b)
{
  switch (b->board->virtio)
    {
    case VIRTIO_PCI:
      return "pci";
    case VIRTIO_MMIO:
      return "device";
    case VIRTIO_CCW:
      return "ccw";
    case VIRTIO_NONE:
    default:
      return NULL;
    }
}

gboolean
_hg_cmdline_add_shares (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  gboolean memory_shared = FALSE;
  const char *suffix;

  if (c->shares == NULL || c->shares->len == 0)
    return TRUE;
  suffix = virtio_suffix (b);
  if (suffix == NULL)
    {
      g_autofree char *key = _hg_cmdline_group_key ("share", 0, "path");

      return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                              _("shared folders need virtio, which %s machine %s does not have"),
                              c->arch, b->machine);
    }
  for (guint i = 0; i < c->shares->len; i++)
    {
      HgShare *share = g_ptr_array_index (c->shares, i);
      g_autofree char *key = _hg_cmdline_group_key ("share", i, "path");
      g_autofree char *folder = NULL;
      g_autofree char *escaped = NULL;
      GError *local = NULL;

      folder = hg_share_check_folder (c, share, i, &local);
      if (folder == NULL)
        {
          const char *file = c->path != NULL ? c->path : c->label;

          g_propagate_prefixed_error (b->error, local, "%s: ", file != NULL ? file : "VM");
          return FALSE;
        }
      if (!hg_share_tag_is_valid (share->tag))
        {
          g_autofree char *tag_key = _hg_cmdline_group_key ("share", i, "tag");

          return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, tag_key,
                                  _("“%s” is not a mount tag (1–36 of letters, digits, “.”, "
                                    "“_”, “-”)"), share->tag != NULL ? share->tag : "");
        }
      escaped = hg_cmdline_escape (folder);
      if (hg_share_effective_transport (share) == HG_SHARE_9P)
        {
          _hg_cmdline_add_printf (b, "-fsdev",
                                 "local,id=fsdev%u,path=%s,security_model=mapped-xattr%s", i,
                                 escaped, share->readonly ? ",readonly=on" : "");
          _hg_cmdline_add_printf (b, "-device", "virtio-9p-%s,id=share%u,fsdev=fsdev%u,mount_tag=%s",
                                 suffix, i, i, share->tag);
          continue;
        }

      /* virtiofs */
      {
        g_autofree char *why = NULL;
        g_autofree char *sock = NULL;
        g_autofree char *esock = NULL;

        if (!hg_virtiofsd_usable (&why))
          {
            g_autofree char *transport_key = _hg_cmdline_group_key ("share", i, "transport");

            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, transport_key,
                                    _("virtiofs was asked for, but %s (use transport=auto or 9p)"),
                                    why);
          }
        if (!memory_shared)
          {
            /* vhost-user needs the guest's RAM in memory virtiofsd can map */
            _hg_cmdline_add_printf (b, "-object",
                                   "memory-backend-memfd,id=hg-mem,size=%uM,share=on",
                                   c->memory_mib);
            _hg_cmdline_add2 (b, "-numa", "node,memdev=hg-mem");
            memory_shared = TRUE;
          }
        sock = hg_virtiofsd_runtime_file (b->runtime, i, "sock");
        esock = hg_cmdline_escape (sock);
        _hg_cmdline_add_printf (b, "-chardev", "socket,id=fs%u,path=%s", i, esock);
        _hg_cmdline_add_printf (b, "-device", "vhost-user-fs-%s,id=share%u,chardev=fs%u,tag=%s",
                               suffix, i, i, share->tag);
      }
    }
  return TRUE;
}
