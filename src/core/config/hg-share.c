/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-share"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "hg-share.h"
#include "hg-virtiofsd.h"

/* Shared folders: see hg-share.h */

G_DEFINE_QUARK (hg-share-error-quark, hg_share_error)

static char *
share_group (const HgShare *share,
             guint          index)
{
  return share->group != NULL ? g_strdup (share->group) : g_strdup_printf ("share:%u", index);
}

char *
hg_share_check_folder (HgVmConfig    *config,
                       const HgShare *share,
                       guint          index,
                       GError       **error)
{
  g_autofree char *group = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *real = NULL;
  struct stat st;
  char *resolved;

  g_return_val_if_fail (config != NULL && share != NULL, NULL);

  group = share_group (share, index);
  if (share->path == NULL || *share->path == '\0')
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_INVALID,
                   _("[%s] path: no folder given"), group);
      return NULL;
    }
  if (!g_path_is_absolute (share->path) && (config->dir == NULL || !g_path_is_absolute (config->dir)))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: “%s” is relative, but the VM has no folder"), group, share->path);
      return NULL;
    }
  abs = g_canonicalize_filename (share->path, config->dir);
  if (g_str_equal (abs, "/"))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: the whole file system (/) is never shared; pick a folder"),
                   group);
      return NULL;
    }
  if (lstat (abs, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: the folder %s cannot be shared: %s"), group, abs,
                   g_strerror (saved));
      return NULL;
    }
  if (S_ISLNK (st.st_mode))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: %s is a symbolic link; name the folder it points to"),
                   group, abs);
      return NULL;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: %s is not a folder"), group, abs);
      return NULL;
    }
  /* a link higher up leads elsewhere than what was written */
  resolved = realpath (abs, NULL);
  real = g_strdup (resolved);
  free (resolved);
  if (real == NULL || strcmp (real, abs) != 0)
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: %s leads through a symbolic link (to %s); name the real "
                     "folder"), group, abs, real != NULL ? real : "?");
      return NULL;
    }
  if (g_str_equal (real, "/"))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER,
                   _("[%s] path: the whole file system (/) is never shared; pick a folder"),
                   group);
      return NULL;
    }
  return g_steal_pointer (&real);
}

HgShareTransport
hg_share_effective_transport (const HgShare *share)
{
  g_return_val_if_fail (share != NULL, HG_SHARE_9P);

  if (share->readonly)
    return HG_SHARE_9P;
  if (share->transport == HG_SHARE_AUTO)
    return hg_virtiofsd_usable (NULL) ? HG_SHARE_VIRTIOFS : HG_SHARE_9P;
  return share->transport;
}

char *
hg_share_mount_command (const HgShare *share)
{
  g_return_val_if_fail (share != NULL, NULL);

  if (hg_share_effective_transport (share) == HG_SHARE_VIRTIOFS)
    return g_strdup_printf ("mount -t virtiofs %s /mnt", share->tag);
  return g_strdup_printf ("mount -t 9p -o trans=virtio,version=9p2000.L%s %s /mnt",
                          share->readonly ? ",ro" : "", share->tag);
}

char *
hg_share_default_tag (const char *path)
{
  g_autofree char *base = NULL;
  GString *tag = g_string_new (NULL);

  if (path != NULL && *path != '\0')
    base = g_path_get_basename (path);
  for (const char *p = base; p != NULL && *p != '\0' && tag->len < 36; p++)
    {
      if (tag->len == 0 && (*p == '.' || *p == '-'))
        continue;
      g_string_append_c (tag, g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-' ? *p : '_');
    }
  if (tag->len == 0 || strspn (tag->str, "_") == tag->len)
    g_string_assign (tag, "share");
  return g_string_free (tag, FALSE);
}
