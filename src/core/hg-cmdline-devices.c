/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"

/* ------------------------------------------------------------------ */
/* Pieces: disks, media, boot order, NICs */

static void
ensure_scsi (Builder *b)
{
  if (b->scsi_added || b->board->scsi_ctrl == NULL)
    return;
  hg_cmdline_add_printf (b, "-device", "%s,id=scsi0", b->board->scsi_ctrl);
  b->scsi_added = TRUE;
}

static const char *
scsi_bus (Builder *b)
{
  return b->board->scsi_ctrl != NULL ? ",bus=scsi0.0" : "";
}

static char *
bootindex_opt (Builder *b,
               gboolean first)
{
  if (b->board->boot != BOOT_BY_INDEX)
    return g_strdup ("");
  if (first)
    return g_strdup (",bootindex=1");
  return g_strdup_printf (",bootindex=%u", b->next_bootindex++);
}

gboolean
hg_cmdline_add_disks (Builder *b)
{
  HgVmConfig *c = b->config;

  for (guint i = 0; c->disks != NULL && i < c->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (c->disks, i);
      g_autofree char *path_key = hg_cmdline_group_key ("disk", i, "path");
      g_autofree char *fmt_key = hg_cmdline_group_key ("disk", i, "format");
      g_autofree char *if_key = hg_cmdline_group_key ("disk", i, "interface");
      g_autofree char *path = hg_cmdline_resolve_path (b, path_key, disk->path);
      g_autofree char *epath = NULL;
      g_autofree char *boot = NULL;
      const char *iface = disk->interface && *disk->interface ? disk->interface
                                                              : b->arch->disk_if;
      gboolean first = (i == 0 && b->boot_mode == HG_BOOT_DISK);

      if (path == NULL)
        return FALSE;
      if (disk->format == NULL || !hg_cmdline_is_word (disk->format, "_-"))
        return hg_cmdline_fail (b, disk->format ? HG_CMDLINE_ERROR_INVALID : HG_CMDLINE_ERROR_MISSING,
                                fmt_key, "every disk needs an explicit image format (qcow2, raw ...)");
      epath = hg_cmdline_escape (path);
      hg_cmdline_add_printf (b, "-drive", "file=%s,format=%s,if=none,id=disk%u", epath, disk->format, i);

      boot = bootindex_opt (b, first);
      if (g_str_equal (iface, "virtio"))
        {
          if (b->board->virtio == VIRTIO_PCI)
            hg_cmdline_add_printf (b, "-device", "virtio-blk-pci,drive=disk%u%s", i, boot);
          else if (b->board->virtio == VIRTIO_MMIO)
            hg_cmdline_add_printf (b, "-device", "virtio-blk-device,drive=disk%u%s", i, boot);
          else
            return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                    "machine %s has no virtio transport; use %s",
                                    b->machine, b->arch->disk_if);
        }
      else if (g_str_equal (iface, "ide"))
        {
          if (!b->board->ide)
            return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                    "machine %s has no IDE bus; use %s", b->machine, b->arch->disk_if);
          hg_cmdline_add_printf (b, "-device", "ide-hd,drive=disk%u%s", i, boot);
        }
      else if (g_str_equal (iface, "scsi"))
        {
          ensure_scsi (b);
          hg_cmdline_add_printf (b, "-device", "scsi-hd,drive=disk%u%s%s", i, scsi_bus (b), boot);
        }
      else if (g_str_equal (iface, "none"))
        ; /* drive defined, attached by nobody (e.g. for a later hot-plug) */
      else
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                "interface \"%s\" cannot be used on machine %s (use virtio, ide, "
                                "scsi or none)", iface, b->machine);
    }
  return TRUE;
}

static gboolean
add_cdrom (Builder  *b,
           HgMedium *m,
           guint     index)
{
  g_autofree char *key = hg_cmdline_group_key ("cdrom", index, "path");
  g_autofree char *boot = bootindex_opt (b, b->boot_mode == HG_BOOT_CDROM && index == 0);
  gboolean empty = m->path == NULL || *m->path == '\0';

  if (empty)
    hg_cmdline_add_printf (b, "-drive", "if=none,id=cd%u,media=cdrom,readonly=on", index);
  else
    {
      g_autofree char *path = hg_cmdline_resolve_path (b, key, m->path);
      g_autofree char *epath = NULL;
      const char *format = m->format && *m->format ? m->format : "raw";

      if (path == NULL)
        return FALSE;
      if (!hg_cmdline_is_word (format, "_-"))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
      epath = hg_cmdline_escape (path);
      hg_cmdline_add_printf (b, "-drive", "file=%s,format=%s,if=none,id=cd%u,media=cdrom,readonly=on",
                             epath, format, index);
    }

  if (b->board->ide)
    hg_cmdline_add_printf (b, "-device", "ide-cd,drive=cd%u%s", index, boot);
  else if (b->board->scsi_ctrl != NULL || !b->board->pci)
    {
      ensure_scsi (b);
      hg_cmdline_add_printf (b, "-device", "scsi-cd,drive=cd%u%s%s", index, scsi_bus (b), boot);
    }
  else
    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                            "machine %s has no bus for a CD-ROM drive", b->machine);
  return TRUE;
}

static gboolean
add_floppy (Builder  *b,
            HgMedium *m,
            guint     index)
{
  g_autofree char *key = hg_cmdline_group_key ("floppy", index, "path");
  const char *format = m->format && *m->format ? m->format : "raw";

  if (!b->board->floppy)
    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                            "machine %s has no floppy controller", b->machine);
  if (index > 1)
    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key, "at most two floppy drives");

  if (m->path == NULL || *m->path == '\0')
    hg_cmdline_add_printf (b, "-drive", "if=none,id=fd%u", index);
  else
    {
      g_autofree char *path = hg_cmdline_resolve_path (b, key, m->path);
      g_autofree char *epath = NULL;

      if (path == NULL)
        return FALSE;
      if (!hg_cmdline_is_word (format, "_-"))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
      epath = hg_cmdline_escape (path);
      hg_cmdline_add_printf (b, "-drive", "file=%s,format=%s,if=none,id=fd%u", epath, format, index);
    }

  if (b->board->fdc_device != NULL)
    {
      if (!b->fdc_added)
        hg_cmdline_add_printf (b, "-device", "%s,id=fdc0", b->board->fdc_device);
      b->fdc_added = TRUE;
      hg_cmdline_add_printf (b, "-device", "floppy,unit=%u,drive=fd%u,bus=fdc0.0", index, index);
    }
  else
    hg_cmdline_add_printf (b, "-device", "floppy,unit=%u,drive=fd%u", index, index);
  return TRUE;
}

static gboolean
add_usb_stick (Builder  *b,
               HgMedium *m,
               guint     index)
{
  g_autofree char *key = hg_cmdline_group_key ("usb", index, "path");
  g_autofree char *path = NULL;
  g_autofree char *epath = NULL;
  const char *format = m->format && *m->format ? m->format : "raw";
  gboolean boot = b->boot_mode == HG_BOOT_USB && index == 0;

  if (!b->board->pci)
    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                            "machine %s has no USB controller", b->machine);
  path = hg_cmdline_resolve_path (b, key, m->path);
  if (path == NULL)
    return FALSE;
  if (!hg_cmdline_is_word (format, "_-"))
    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
  epath = hg_cmdline_escape (path);
  hg_cmdline_ensure_usb (b);
  hg_cmdline_add_printf (b, "-drive", "file=%s,format=%s,if=none,id=usb%u", epath, format, index);
  /* SeaBIOS and UEFI both honour bootindex on usb-storage */
  if (boot)
    hg_cmdline_add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=usb%u,bootindex=1", index);
  else
    hg_cmdline_add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=usb%u", index);
  return TRUE;
}

gboolean
hg_cmdline_add_media (Builder *b)
{
  HgVmConfig *c = b->config;
  guint n_cd = 0, n_fd = 0, n_usb = 0;

  for (guint i = 0; c->media != NULL && i < c->media->len; i++)
    {
      HgMedium *m = g_ptr_array_index (c->media, i);
      gboolean ok = TRUE;

      switch (m->kind)
        {
        case HG_MEDIUM_CDROM:
          ok = add_cdrom (b, m, n_cd++);
          break;
        case HG_MEDIUM_FLOPPY:
          ok = add_floppy (b, m, n_fd++);
          break;
        case HG_MEDIUM_USB:
          ok = add_usb_stick (b, m, n_usb++);
          break;
        default:
          break;
        }
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* an image is set for the medium of this kind */
static gboolean
has_medium (HgVmConfig   *c,
            HgMediumKind  kind)
{
  HgMedium *m = hg_vm_config_get_medium (c, kind);

  return m != NULL && m->path != NULL && *m->path != '\0';
}

gboolean
hg_cmdline_check_boot_needs (Builder *b)
{
  HgVmConfig *c = b->config;

  switch (b->boot_mode)
    {
    case HG_BOOT_DISK:
      if (c->disks == NULL || c->disks->len == 0)
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[disk:0] path",
                                "boot mode disk needs a disk");
      break;
    case HG_BOOT_CDROM:
      if (!has_medium (c, HG_MEDIUM_CDROM))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[cdrom:0] path",
                                "boot mode cdrom needs a CD-ROM image (ISO)");
      break;
    case HG_BOOT_FLOPPY:
      if (!has_medium (c, HG_MEDIUM_FLOPPY))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[floppy:0] path",
                                "boot mode floppy needs a floppy image");
      if (!b->board->floppy)
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[boot] mode",
                                "machine %s cannot boot from a floppy", b->machine);
      break;
    case HG_BOOT_USB:
      if (!has_medium (c, HG_MEDIUM_USB))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[usb:0] path",
                                "boot mode usb needs a USB stick image");
      break;
    case HG_BOOT_PXE:
      {
        gboolean have_nic = FALSE;
        for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
          have_nic |= ((HgNic *) g_ptr_array_index (c->nics, i))->mode != HG_NET_NONE;
        if (!have_nic)
          return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[net:0] mode",
                                  "boot mode pxe needs a network interface");
      }
      break;
    case HG_BOOT_KERNEL:
      if (c->kernel == NULL || *c->kernel == '\0')
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[boot] kernel",
                                "boot mode kernel needs a kernel image");
      break;
    default:
      return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] mode", "unknown boot mode %d",
                              (int) b->boot_mode);
    }
  return TRUE;
}

gboolean
hg_cmdline_add_boot (Builder *b)
{
  HgVmConfig *c = b->config;

  if (b->boot_mode == HG_BOOT_KERNEL)
    {
      g_autofree char *kernel = hg_cmdline_resolve_path (b, "[boot] kernel", c->kernel);

      if (kernel == NULL)
        return FALSE;
      hg_cmdline_add2 (b, "-kernel", kernel);
      if (c->initrd != NULL && *c->initrd != '\0')
        {
          g_autofree char *initrd = hg_cmdline_resolve_path (b, "[boot] initrd", c->initrd);
          if (initrd == NULL)
            return FALSE;
          /* -initrd splits on ',' for multiboot kernels: refuse rather than guess */
          if (strchr (initrd, ',') != NULL)
            return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] initrd",
                                    "a comma in the initrd path cannot be passed to QEMU");
          hg_cmdline_add2 (b, "-initrd", initrd);
        }
      if (c->append != NULL && *c->append != '\0')
        {
          if (hg_cmdline_has_control_chars (c->append))
            return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] append",
                                    "the kernel command line contains a newline or control character");
          hg_cmdline_add2 (b, "-append", c->append);
        }
      if (c->dtb != NULL && *c->dtb != '\0')
        {
          g_autofree char *dtb = hg_cmdline_resolve_path (b, "[boot] dtb", c->dtb);
          if (dtb == NULL)
            return FALSE;
          hg_cmdline_add2 (b, "-dtb", dtb);
        }
      return TRUE;
    }

  /* Firmware for boards whose default one cannot boot disks */
  {
    const char *fw = hg_host_caps_get_firmware (b->caps, c->arch);
    if (fw != NULL && g_str_equal (b->machine, "virt"))
      hg_cmdline_add2 (b, "-bios", fw);
  }

  if (b->board->boot == BOOT_BY_ORDER)
    {
      switch (b->boot_mode)
        {
        case HG_BOOT_DISK:
          hg_cmdline_add2 (b, "-boot", "order=c");
          break;
        case HG_BOOT_CDROM:
          /* the installer boots once from the CD, the reboot after it from disk */
          hg_cmdline_add2 (b, "-boot", "order=c,once=d");
          break;
        case HG_BOOT_PXE:
          hg_cmdline_add2 (b, "-boot", "order=n");
          break;
        case HG_BOOT_FLOPPY:
          hg_cmdline_add2 (b, "-boot", "order=a");
          break;
        case HG_BOOT_USB:   /* bootindex on the usb-storage device */
        case HG_BOOT_KERNEL:
        default:
          break;
        }
    }
  return TRUE;
}

gboolean
hg_cmdline_add_nics (Builder  *b,
                     gboolean  vdeq)
{
  HgVmConfig *c = b->config;
  gboolean first_boot_nic = b->boot_mode == HG_BOOT_PXE;

  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      g_autofree char *mode_key = hg_cmdline_group_key ("net", i, "mode");
      g_autofree char *model_key = hg_cmdline_group_key ("net", i, "model");
      g_autofree char *mac_key = hg_cmdline_group_key ("net", i, "mac");
      const char *model = nic->model && *nic->model ? nic->model : b->arch->nic_model;
      g_autofree char *mac_opt = NULL;
      g_autofree char *boot = NULL;
      g_autofree char *netdev_id = NULL;
      gboolean use_vdeq = FALSE;
      gboolean vde_hub = FALSE;
      GString *nd;

      if (nic->mode == HG_NET_NONE)
        continue;

      if (!hg_cmdline_is_word (model, "_.-"))
        return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, model_key,
                                "\"%s\" is not a NIC model name", model);
      if (nic->mac != NULL && *nic->mac != '\0')
        {
          if (!hg_mac_is_valid (nic->mac))
            return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, mac_key,
                                    "\"%s\" is not a MAC address", nic->mac);
        }

      nd = g_string_new (NULL);
      switch (nic->mode)
        {
        case HG_NET_USER:
          netdev_id = g_strdup_printf ("net%u", i);
          g_string_append_printf (nd, "user,id=%s", netdev_id);
          for (guint j = 0; nic->hostfwd != NULL && j < nic->hostfwd->len; j++)
            {
              HgHostFwd *fwd = g_ptr_array_index (nic->hostfwd, j);
              const char *proto = fwd->proto && g_str_equal (fwd->proto, "udp") ? "udp" : "tcp";
              const char *address = fwd->address != NULL ? fwd->address
                                                          : HG_HOST_FWD_DEFAULT_ADDRESS;

              /* loopback unless the config names another address: QEMU's
               * own default (an empty address) is every interface */
              if (!hg_host_fwd_address_is_valid (address))
                {
                  g_autofree char *fkey = hg_cmdline_group_key ("net", i, "hostfwd");

                  g_string_free (nd, TRUE);
                  return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, fkey,
                                          "\"%s\" is not an IPv4 address", address);
                }
              g_string_append_printf (nd, ",hostfwd=%s:%s:%u-:%u", proto, address,
                                      fwd->host_port, fwd->guest_port);
            }
          if (nic->tftp != NULL && *nic->tftp != '\0')
            {
              g_autofree char *tkey = hg_cmdline_group_key ("net", i, "tftp");
              g_autofree char *tftp = hg_cmdline_resolve_path (b, tkey, nic->tftp);
              g_autofree char *etftp = NULL;
              if (tftp == NULL)
                {
                  g_string_free (nd, TRUE);
                  return FALSE;
                }
              etftp = hg_cmdline_escape (tftp);
              g_string_append_printf (nd, ",tftp=%s", etftp);
            }
          if (nic->bootfile != NULL && *nic->bootfile != '\0')
            {
              g_autofree char *ebf = NULL;
              if (hg_cmdline_has_control_chars (nic->bootfile))
                {
                  g_autofree char *bkey = hg_cmdline_group_key ("net", i, "bootfile");
                  g_string_free (nd, TRUE);
                  return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, bkey,
                                          "contains a newline or control character");
                }
              ebf = hg_cmdline_escape (nic->bootfile);
              g_string_append_printf (nd, ",bootfile=%s", ebf);
            }
          break;

        case HG_NET_VDE:
          {
            const char *sw = nic->switch_name && *nic->switch_name ? nic->switch_name
                                                                  : "default";
            g_autofree char *swkey = hg_cmdline_group_key ("net", i, "switch");
            g_autofree char *dir = NULL;
            g_autofree char *sock = NULL;

            if (!hg_cmdline_is_word (sw, "_.-") || sw[0] == '.' || sw[0] == '-')
              {
                g_string_free (nd, TRUE);
                return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
                                        "\"%s\" is not a switch name ([A-Za-z0-9._-], not "
                                        "starting with . or -)", sw);
              }
            dir = hg_runtime_switch_dir (b->runtime->root, sw);
            sock = g_build_filename (dir, "data", NULL);
            if (nic->vdeq && vdeq)
              {
                /* vdeq parses "-net vde,..." itself and cannot unescape
                 * commas: refuse what it would misread. */
                if (strpbrk (sock, ",\"") != NULL)
                  {
                    g_string_free (nd, TRUE);
                    return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
                                            "the switch socket path %s contains a comma or a quote, "
                                            "which vdeq cannot pass", sock);
                  }
                use_vdeq = TRUE;
                netdev_id = g_strdup_printf ("vdeq%u", i);
                g_string_append_printf (nd, "vde,vlan=%u,sock=%s", i, sock);
              }
            else
              {
                g_autofree char *esock = hg_cmdline_escape (sock);
                /* NIC -- hub -- plug -- vde: the plug can be replaced at run
                 * time (netdev_del/netdev_add) when the switch restarts,
                 * which QEMU's vde backend never does by itself */
                netdev_id = g_strdup_printf ("net%u", i);
                g_string_append_printf (nd, "vde,id=vde%u,sock=%s", i, esock);
                vde_hub = TRUE;
              }
          }
          break;

        case HG_NET_TAP:
          {
            g_autofree char *tkey = hg_cmdline_group_key ("net", i, "tap");
            if (nic->tap == NULL || *nic->tap == '\0')
              {
                g_string_free (nd, TRUE);
                return hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, tkey,
                                        "mode tap needs the name of a TAP interface");
              }
            if (!hg_cmdline_is_word (nic->tap, "_.-") || strlen (nic->tap) > 15 || nic->tap[0] == '-')
              {
                g_string_free (nd, TRUE);
                return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, tkey,
                                        "\"%s\" is not an interface name (1-15 of [A-Za-z0-9._-])",
                                        nic->tap);
              }
            netdev_id = g_strdup_printf ("net%u", i);
            g_string_append_printf (nd, "tap,id=%s,ifname=%s,script=no,downscript=no",
                                    netdev_id, nic->tap);
          }
          break;

        case HG_NET_NONE:
        default:
          g_string_free (nd, TRUE);
          return hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, mode_key, "unknown network mode");
        }

      /* Guest side */
      boot = (first_boot_nic && b->board->boot == BOOT_BY_INDEX) ? g_strdup (",bootindex=1")
                                                                 : g_strdup ("");
      first_boot_nic = FALSE;
      if (b->board->nic_onboard)
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",macaddr=%s", nic->mac)
                                          : g_strdup ("");
          hg_cmdline_add_printf (b, "-net", "nic,netdev=%s,model=%s%s", netdev_id, model, mac_opt);
        }
      else
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",mac=%s", nic->mac)
                                          : g_strdup ("");
          hg_cmdline_add_printf (b, "-device", "%s,netdev=%s%s%s", model, netdev_id, mac_opt, boot);
        }

      /* Host side; vdeq wants "-net vde,..." which it rewrites */
      hg_cmdline_add2 (b, use_vdeq ? "-net" : "-netdev", nd->str);
      g_string_free (nd, TRUE);
      if (vde_hub)
        {
          hg_cmdline_add_printf (b, "-netdev", "hubport,id=plug%u,hubid=%u,netdev=vde%u", i, i, i);
          hg_cmdline_add_printf (b, "-netdev", "hubport,id=%s,hubid=%u", netdev_id, i);
        }
    }
  return TRUE;
}

gboolean
hg_cmdline_config_wants_vdeq (HgVmConfig *c)
{
  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      if (nic->mode == HG_NET_VDE && nic->vdeq)
        return TRUE;
    }
  return FALSE;
}
