/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "hg-cmdline-private.h"

/* ------------------------------------------------------------------ */
/* Pieces: disks, media, boot order, NICs */

static void
ensure_scsi (HgCmdlineBuilder *b)
{
  if (b->scsi_added || b->board->scsi_ctrl == NULL)
    return;
  _hg_cmdline_add_printf (b, "-device", "%s,id=scsi0", b->board->scsi_ctrl);
  b->scsi_added = TRUE;
}

static const char *
scsi_bus (HgCmdlineBuilder *b)
{
  return b->board->scsi_ctrl != NULL ? ",bus=scsi0.0" : "";
}

static char *
bootindex_opt (HgCmdlineBuilder *b,
               gboolean          first)
{
  if (b->board->boot != BOOT_BY_INDEX)
    return g_strdup ("");
  if (first)
    return g_strdup (",bootindex=1");
  return g_strdup_printf (",bootindex=%u", b->next_bootindex++);
}

/* ---- images as explicit nodes ---------------------------------------- */

/* Formats whose images can name a backing file: QEMU takes "backing" */
static gboolean
format_has_backing (const char *format)
{
  return g_str_equal (format, "qcow2") || g_str_equal (format, "qed") ||
         g_str_equal (format, "vmdk");
}

static char *
layer_node_name (const char *id,
                 guint       layer,
                 gboolean    file)
{
  if (layer == 0)
    return g_strdup_printf ("%s%s", id, file ? "-file" : "");
  return g_strdup_printf ("%s-b%u%s", id, layer, file ? "-file" : "");
}

GPtrArray *
hg_cmdline_blockdev_nodes (const HgDiskImageInfo  *chain,
                           const char             *id,
                           gboolean                read_only,
                           GError                **error)
{
  g_autoptr(GPtrArray) nodes = NULL;

  g_return_val_if_fail (chain != NULL && chain->layers != NULL && chain->layers->len > 0, NULL);
  g_return_val_if_fail (_hg_cmdline_is_word (id, "-_"), NULL);

  nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  /* the bottom first: a node is defined before a node that uses it */
  for (guint k = chain->layers->len; k-- > 0;)
    {
      const HgDiskImageLayer *layer = g_ptr_array_index (chain->layers, k);
      g_autofree char *file_node = layer_node_name (id, k, TRUE);
      g_autofree char *format_node = layer_node_name (id, k, FALSE);
      gboolean ro = read_only || k > 0;
      g_autoptr(JsonBuilder) fb = json_builder_new ();
      g_autoptr(JsonBuilder) vb = json_builder_new ();

      if (layer->filename == NULL || !g_path_is_absolute (layer->filename) ||
          !g_utf8_validate (layer->filename, -1, NULL) ||
          _hg_cmdline_has_control_chars (layer->filename))
        {
          g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_INVALID,
                       "%s: the image path is not an absolute path in UTF-8 without control "
                       "characters", layer->filename ? layer->filename : id);
          return NULL;
        }
      if (layer->format == NULL || !_hg_cmdline_is_word (layer->format, "_-"))
        {
          g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_INVALID,
                       "%s: \"%s\" is not an image format", layer->filename,
                       layer->format ? layer->format : "");
          return NULL;
        }

      /* the file: only ever this path, opened by the file driver */
      json_builder_begin_object (fb);
      json_builder_set_member_name (fb, "driver");
      json_builder_add_string_value (fb, "file");
      json_builder_set_member_name (fb, "node-name");
      json_builder_add_string_value (fb, file_node);
      json_builder_set_member_name (fb, "filename");
      json_builder_add_string_value (fb, layer->filename);
      if (ro)
        {
          json_builder_set_member_name (fb, "read-only");
          json_builder_add_boolean_value (fb, TRUE);
        }
      json_builder_end_object (fb);
      g_ptr_array_add (nodes, json_builder_get_root (fb));

      /* the format: the configured (or checked) one, never probed; the
       * backing file is the next node, or none at the bottom */
      json_builder_begin_object (vb);
      json_builder_set_member_name (vb, "driver");
      json_builder_add_string_value (vb, layer->format);
      json_builder_set_member_name (vb, "node-name");
      json_builder_add_string_value (vb, format_node);
      json_builder_set_member_name (vb, "file");
      json_builder_add_string_value (vb, file_node);
      if (ro)
        {
          json_builder_set_member_name (vb, "read-only");
          json_builder_add_boolean_value (vb, TRUE);
        }
      if (format_has_backing (layer->format))
        {
          json_builder_set_member_name (vb, "backing");
          if (k + 1 < chain->layers->len)
            {
              g_autofree char *backing = layer_node_name (id, k + 1, FALSE);
              json_builder_add_string_value (vb, backing);
            }
          else
            json_builder_add_null_value (vb);
        }
      else if (k + 1 < chain->layers->len)
        {
          g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                       "%s: a %s image cannot have a backing file", layer->filename, layer->format);
          return NULL;
        }
      json_builder_end_object (vb);
      g_ptr_array_add (nodes, json_builder_get_root (vb));
    }
  return g_steal_pointer (&nodes);
}

/* -blockdev for each node of an image: the checked chain from
 * b->images, or (when the images were not checked: display only) the
 * configured file alone, without its backing file.  Returns the node the
 * device uses (id), or FALSE with the error naming key. */
gboolean
_hg_cmdline_add_image (HgCmdlineBuilder      *b,
                       const char            *key,
                       const char            *id,
                       const char            *path,
                       const char            *format,
                       const HgDiskImageInfo *chain,
                       gboolean               read_only)
{
  g_autoptr(HgDiskImageInfo) unchecked = NULL;
  g_autoptr(GPtrArray) nodes = NULL;
  GError *local = NULL;

  if (!_hg_cmdline_is_word (format, "_-"))
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
  if (chain != NULL)
    {
      const HgDiskImageLayer *top = g_ptr_array_index (chain->layers, 0);

      if (g_strcmp0 (top->format, format) != 0)
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key,
                                 "the checked image is %s, the config says %s",
                                 top->format, format);
    }
  else
    {
      g_autofree char *abs = _hg_cmdline_resolve_path (b, key, path);
      HgDiskImageLayer *layer;

      if (abs == NULL)
        return FALSE;
      layer = g_new0 (HgDiskImageLayer, 1);
      layer->filename = g_steal_pointer (&abs);
      layer->format = g_strdup (format);
      unchecked = g_new0 (HgDiskImageInfo, 1);
      unchecked->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
      g_ptr_array_add (unchecked->layers, layer);
      chain = unchecked;
    }

  nodes = hg_cmdline_blockdev_nodes (chain, id, read_only, &local);
  if (nodes == NULL)
    {
      _hg_cmdline_fail (b, local->code, key, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  for (guint i = 0; i < nodes->len; i++)
    {
      g_autofree char *json = json_to_string (g_ptr_array_index (nodes, i), FALSE);
      _hg_cmdline_add2 (b, "-blockdev", json);
    }
  return TRUE;
}

char *
_hg_cmdline_ide_slot (HgCmdlineBuilder    *b,
                     const char *key)
{
  guint buses = b->board->ide_buses;
  guint units = b->board->ide_units;
  guint slot = b->ide_next;

  /* A board whose layout Hangar does not know: QEMU's own placement */
  if (buses == 0 || units == 0)
    return g_strdup ("");
  if (slot >= buses * units)
    {
      _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                       "machine %s has room for %u IDE/SATA drives (disks and CD-ROMs "
                       "together); use virtio or scsi for more", b->machine, buses * units);
      return NULL;
    }
  b->ide_next++;
  return g_strdup_printf (",bus=ide.%u,unit=%u", slot / units, slot % units);
}

/* The checked chain of disk i / medium i, or NULL */
static const HgDiskImageInfo *
checked_chain (GPtrArray *list,
               guint      index)
{
  if (list == NULL || index >= list->len)
    return NULL;
  return g_ptr_array_index (list, index);
}

/* A throwaway start (hg-throwaway.h): the temporary qcow2 overlay is the
 * top node, the checked chain below it, read-only */
static gboolean
add_overlaid (HgCmdlineBuilder               *b,
              const char            *key,
              const char            *id,
              const char            *overlay,
              const HgDiskImageInfo *chain)
{
  g_autoptr(HgDiskImageInfo) stacked = g_new0 (HgDiskImageInfo, 1);
  HgDiskImageLayer *top;

  if (chain == NULL)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, key, "the image was not checked");
  stacked->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
  top = g_new0 (HgDiskImageLayer, 1);
  top->filename = g_strdup (overlay);
  top->format = g_strdup ("qcow2");
  g_ptr_array_add (stacked->layers, top);
  for (guint k = 0; k < chain->layers->len; k++)
    {
      const HgDiskImageLayer *layer = g_ptr_array_index (chain->layers, k);
      HgDiskImageLayer *copy = g_new0 (HgDiskImageLayer, 1);

      copy->filename = g_strdup (layer->filename);
      copy->format = g_strdup (layer->format);
      g_ptr_array_add (stacked->layers, copy);
    }
  return _hg_cmdline_add_image (b, key, id, overlay, "qcow2", stacked, FALSE);
}

gboolean
_hg_cmdline_add_disks (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;

  for (guint i = 0; c->disks != NULL && i < c->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (c->disks, i);
      g_autofree char *path_key = _hg_cmdline_group_key ("disk", i, "path");
      g_autofree char *fmt_key = _hg_cmdline_group_key ("disk", i, "format");
      g_autofree char *if_key = _hg_cmdline_group_key ("disk", i, "interface");
      g_autofree char *id = g_strdup_printf ("disk%u", i);
      g_autofree char *boot = NULL;
      /* A board without Hangar defaults: how it attaches disks is not
       * known, so the image is defined but attached only where the disk's
       * interface says so (docs/config.md) */
      const char *iface = disk->interface && *disk->interface ? disk->interface
                          : b->board == _hg_cmdline_generic_board () ? "none" : b->arch->disk_if;
      gboolean first = (i == 0 && b->boot_mode == HG_BOOT_DISK);

      if (disk->path == NULL || *disk->path == '\0')
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, path_key, "no path given");
      if (disk->format == NULL || !_hg_cmdline_is_word (disk->format, "_-"))
        return _hg_cmdline_fail (b, disk->format ? HG_CMDLINE_ERROR_INVALID : HG_CMDLINE_ERROR_MISSING,
                                fmt_key, "every disk needs an explicit image format (qcow2, raw ...)");
      if (b->images != NULL && b->images->overlays != NULL && i < b->images->overlays->len)
        {
          if (!add_overlaid (b, path_key, id, g_ptr_array_index (b->images->overlays, i),
                             checked_chain (b->images->disks, i)))
            return FALSE;
        }
      else if (!_hg_cmdline_add_image (b, path_key, id, disk->path, disk->format,
                      b->images != NULL ? checked_chain (b->images->disks, i) : NULL, FALSE))
        return FALSE;

      boot = bootindex_opt (b, first);
      if (g_str_equal (iface, "virtio"))
        {
          if (b->board->virtio == VIRTIO_PCI)
            _hg_cmdline_add_printf (b, "-device", "virtio-blk-pci,drive=%s,id=%s%s", id, id, boot);
          else if (b->board->virtio == VIRTIO_MMIO)
            _hg_cmdline_add_printf (b, "-device", "virtio-blk-device,drive=%s,id=%s%s", id, id,
                                    boot);
          else if (b->board->virtio == VIRTIO_CCW)
            _hg_cmdline_add_printf (b, "-device", "virtio-blk-ccw,drive=%s,id=%s%s", id, id, boot);
          else
            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                     "machine %s has no virtio transport; use %s",
                                     b->machine, b->arch->disk_if);
        }
      else if (g_str_equal (iface, "ide"))
        {
          g_autofree char *slot = NULL;

          if (!b->board->ide)
            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                    "machine %s has no IDE bus; use %s", b->machine, b->arch->disk_if);
          slot = _hg_cmdline_ide_slot (b, if_key);
          if (slot == NULL)
            return FALSE;
          _hg_cmdline_add_printf (b, "-device", "ide-hd,drive=%s,id=%s%s%s", id, id, slot, boot);
        }
      else if (g_str_equal (iface, "scsi"))
        {
          ensure_scsi (b);
          _hg_cmdline_add_printf (b, "-device", "scsi-hd,drive=%s,id=%s%s%s", id, id, scsi_bus (b),
                                  boot);
        }
      else if (g_str_equal (iface, "none"))
        ; /* nodes defined, attached by nobody (e.g. for a later hot-plug) */
      else
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                                 "interface \"%s\" cannot be used on machine %s (use virtio, ide, "
                                 "scsi or none)", iface, b->machine);
    }
  return TRUE;
}

/* medium i of the config: its checked chain, or NULL */
static const HgDiskImageInfo *
medium_chain (HgCmdlineBuilder *b,
              HgMedium         *m)
{
  HgVmConfig *c = b->config;

  if (b->images == NULL)
    return NULL;
  for (guint i = 0; c->media != NULL && i < c->media->len; i++)
    if (g_ptr_array_index (c->media, i) == m)
      return checked_chain (b->images->media, i);
  return NULL;
}

static gboolean
add_cdrom (HgCmdlineBuilder *b,
           HgMedium         *m,
           guint             index)
{
  g_autofree char *key = _hg_cmdline_group_key ("cdrom", index, "path");
  g_autofree char *boot = bootindex_opt (b, b->boot_mode == HG_BOOT_CDROM && index == 0);
  g_autofree char *id = g_strdup_printf ("cd%u", index);
  g_autofree char *drive = NULL;
  gboolean empty = m->path == NULL || *m->path == '\0';

  if (!empty)
    {
      const char *format = m->format && *m->format ? m->format : "raw";

      if (!_hg_cmdline_add_image (b, key, id, m->path, format, medium_chain (b, m), TRUE))
        return FALSE;
      drive = g_strdup_printf (",drive=%s", id);
    }
  else
    drive = g_strdup ("");   /* a drive with no medium */

  if (b->board->ide)
    {
      g_autofree char *slot = _hg_cmdline_ide_slot (b, key);

      if (slot == NULL)
        return FALSE;
      _hg_cmdline_add_printf (b, "-device", "ide-cd,id=%s%s%s%s", id, drive, slot, boot);
    }
  else if (b->board->scsi_ctrl != NULL || !b->board->pci)
    {
      ensure_scsi (b);
      _hg_cmdline_add_printf (b, "-device", "scsi-cd,id=%s%s%s%s", id, drive, scsi_bus (b), boot);
    }
  else
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                             "machine %s has no bus for a CD-ROM drive", b->machine);
  return TRUE;
}

static gboolean
add_floppy (HgCmdlineBuilder *b,
            HgMedium         *m,
            guint             index)
{
  g_autofree char *key = _hg_cmdline_group_key ("floppy", index, "path");
  g_autofree char *id = g_strdup_printf ("fd%u", index);
  g_autofree char *drive = NULL;
  const char *format = m->format && *m->format ? m->format : "raw";

  if (!b->board->floppy)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                             "machine %s has no floppy controller", b->machine);
  if (index > 1)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key, "at most two floppy drives");

  if (m->path == NULL || *m->path == '\0')
    drive = g_strdup ("");   /* a drive with no medium */
  else
    {
      if (!_hg_cmdline_add_image (b, key, id, m->path, format, medium_chain (b, m), FALSE))
        return FALSE;
      drive = g_strdup_printf (",drive=%s", id);
    }

  if (b->board->fdc_device != NULL)
    {
      if (!b->fdc_added)
        _hg_cmdline_add_printf (b, "-device", "%s,id=fdc0", b->board->fdc_device);
      b->fdc_added = TRUE;
      _hg_cmdline_add_printf (b, "-device", "floppy,unit=%u,id=%s%s,bus=fdc0.0", index, id, drive);
    }
  else
    _hg_cmdline_add_printf (b, "-device", "floppy,unit=%u,id=%s%s", index, id, drive);
  return TRUE;
}

static gboolean
add_usb_stick (HgCmdlineBuilder *b,
               HgMedium         *m,
               guint             index)
{
  g_autofree char *key = _hg_cmdline_group_key ("usb", index, "path");
  g_autofree char *id = g_strdup_printf ("stick%u", index);   /* usb0 is the controller */
  const char *format = m->format && *m->format ? m->format : "raw";
  gboolean boot = b->boot_mode == HG_BOOT_USB && index == 0;

  if (!b->board->pci)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                             "machine %s has no USB controller", b->machine);
  if (m->path == NULL || *m->path == '\0')
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, key, "no path given");
  if (!_hg_cmdline_add_image (b, key, id, m->path, format, medium_chain (b, m), FALSE))
    return FALSE;
  _hg_cmdline_ensure_usb (b);
  /* SeaBIOS and UEFI both honour bootindex on usb-storage */
  if (boot)
    _hg_cmdline_add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=%s,id=%s,bootindex=1", id,
                            id);
  else
    _hg_cmdline_add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=%s,id=%s", id, id);
  return TRUE;
}

gboolean
_hg_cmdline_add_media (HgCmdlineBuilder *b)
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
_hg_cmdline_check_boot_needs (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;

  switch (b->boot_mode)
    {
    case HG_BOOT_DISK:
      if (c->disks == NULL || c->disks->len == 0)
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[disk:0] path",
                                 "boot mode disk needs a disk");
      break;
    case HG_BOOT_CDROM:
      if (!has_medium (c, HG_MEDIUM_CDROM))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[cdrom:0] path",
                                 "boot mode cdrom needs a CD-ROM image (ISO)");
      break;
    case HG_BOOT_FLOPPY:
      if (!has_medium (c, HG_MEDIUM_FLOPPY))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[floppy:0] path",
                                 "boot mode floppy needs a floppy image");
      if (!b->board->floppy)
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[boot] mode",
                                 "machine %s cannot boot from a floppy", b->machine);
      break;
    case HG_BOOT_USB:
      if (!has_medium (c, HG_MEDIUM_USB))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[usb:0] path",
                                 "boot mode usb needs a USB stick image");
      break;
    case HG_BOOT_PXE:
      {
        gboolean have_nic = FALSE;
        for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
          have_nic |= ((HgNic *) g_ptr_array_index (c->nics, i))->mode != HG_NET_NONE;
        if (!have_nic)
          return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[net:0] mode",
                                   "boot mode pxe needs a network interface");
      }
      break;
    case HG_BOOT_KERNEL:
      if (c->kernel == NULL || *c->kernel == '\0')
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, "[boot] kernel",
                                 "boot mode kernel needs a kernel image");
      break;
    default:
      return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] mode", "unknown boot mode %d",
                               (int) b->boot_mode);
    }
  return TRUE;
}

gboolean
_hg_cmdline_add_boot (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;

  if (b->boot_mode == HG_BOOT_KERNEL)
    {
      g_autofree char *kernel = _hg_cmdline_resolve_path (b, "[boot] kernel", c->kernel);

      if (kernel == NULL)
        return FALSE;
      _hg_cmdline_add2 (b, "-kernel", kernel);
      if (c->initrd != NULL && *c->initrd != '\0')
        {
          g_autofree char *initrd = _hg_cmdline_resolve_path (b, "[boot] initrd", c->initrd);
          if (initrd == NULL)
            return FALSE;
          /* -initrd splits on ',' for multiboot kernels: refuse rather than guess */
          if (strchr (initrd, ',') != NULL)
            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] initrd",
                                     "a comma in the initrd path cannot be passed to QEMU");
          _hg_cmdline_add2 (b, "-initrd", initrd);
        }
      if (c->append != NULL && *c->append != '\0')
        {
          if (_hg_cmdline_has_control_chars (c->append))
            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] append",
                                     "the kernel command line contains a newline "
                                     "or control character");
          _hg_cmdline_add2 (b, "-append", c->append);
        }
      if (c->dtb != NULL && *c->dtb != '\0')
        {
          g_autofree char *dtb = _hg_cmdline_resolve_path (b, "[boot] dtb", c->dtb);
          if (dtb == NULL)
            return FALSE;
          _hg_cmdline_add2 (b, "-dtb", dtb);
        }
      return TRUE;
    }

  /* Firmware for boards whose default one cannot boot disks */
  {
    const char *fw = hg_host_caps_get_firmware (b->caps, c->arch);
    if (fw != NULL && b->firmware == NULL && g_str_equal (b->machine, "virt"))
      _hg_cmdline_add2 (b, "-bios", fw);
  }

  if (b->board->boot == BOOT_BY_ORDER)
    {
      switch (b->boot_mode)
        {
        case HG_BOOT_DISK:
          _hg_cmdline_add2 (b, "-boot", "order=c");
          break;
        case HG_BOOT_CDROM:
          /* the installer boots once from the CD, the reboot after it from disk */
          _hg_cmdline_add2 (b, "-boot", "order=c,once=d");
          break;
        case HG_BOOT_PXE:
          _hg_cmdline_add2 (b, "-boot", "order=n");
          break;
        case HG_BOOT_FLOPPY:
          _hg_cmdline_add2 (b, "-boot", "order=a");
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
_hg_cmdline_add_nics (HgCmdlineBuilder *b,
                      gboolean          vdeq)
{
  HgVmConfig *c = b->config;
  gboolean first_boot_nic = b->boot_mode == HG_BOOT_PXE;

  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      g_autofree char *mode_key = _hg_cmdline_group_key ("net", i, "mode");
      g_autofree char *model_key = _hg_cmdline_group_key ("net", i, "model");
      g_autofree char *mac_key = _hg_cmdline_group_key ("net", i, "mac");
      /* A board without Hangar defaults gets its own NIC (-net nic, no model) */
      const char *model = nic->model && *nic->model ? nic->model
                          : b->board == _hg_cmdline_generic_board () ? NULL : b->arch->nic_model;
      g_autofree char *mac_opt = NULL;
      g_autofree char *boot = NULL;
      g_autofree char *netdev_id = NULL;
      gboolean use_vdeq = FALSE;
      gboolean vde_hub = FALSE;
      GString *nd;

      if (nic->mode == HG_NET_NONE)
        continue;

      if (model != NULL && !_hg_cmdline_is_word (model, "_.-"))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, model_key,
                                 "\"%s\" is not a NIC model name", model);
      if (nic->mac != NULL && *nic->mac != '\0')
        {
          if (!hg_mac_is_valid (nic->mac))
            return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, mac_key,
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
                  g_autofree char *fkey = _hg_cmdline_group_key ("net", i, "hostfwd");

                  g_string_free (nd, TRUE);
                  return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, fkey,
                                           "\"%s\" is not an IPv4 address", address);
                }
              g_string_append_printf (nd, ",hostfwd=%s:%s:%u-:%u", proto, address,
                                      fwd->host_port, fwd->guest_port);
            }
          if (nic->tftp != NULL && *nic->tftp != '\0')
            {
              g_autofree char *tkey = _hg_cmdline_group_key ("net", i, "tftp");
              g_autofree char *tftp = _hg_cmdline_resolve_path (b, tkey, nic->tftp);
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
              if (_hg_cmdline_has_control_chars (nic->bootfile))
                {
                  g_autofree char *bkey = _hg_cmdline_group_key ("net", i, "bootfile");
                  g_string_free (nd, TRUE);
                  return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, bkey,
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
            g_autofree char *swkey = _hg_cmdline_group_key ("net", i, "switch");
            g_autofree char *dir = NULL;
            g_autofree char *sock = NULL;

            if (!_hg_cmdline_is_word (sw, "_.-") || sw[0] == '.' || sw[0] == '-')
              {
                g_string_free (nd, TRUE);
                return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
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
                    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
                                             "the switch socket path %s contains a comma "
                                             "or a quote, which vdeq cannot pass", sock);
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
            g_autofree char *tkey = _hg_cmdline_group_key ("net", i, "tap");
            if (nic->tap == NULL || *nic->tap == '\0')
              {
                g_string_free (nd, TRUE);
                return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_MISSING, tkey,
                                         "mode tap needs the name of a TAP interface");
              }
            if (!_hg_cmdline_is_word (nic->tap,
                                      "_.-") || strlen (nic->tap) > 15 || nic->tap[0] == '-')
              {
                g_string_free (nd, TRUE);
                return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, tkey,
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
          return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, mode_key, "unknown network mode");
        }

      /* Guest side */
      boot = (first_boot_nic && b->board->boot == BOOT_BY_INDEX) ? g_strdup (",bootindex=1")
                                                                 : g_strdup ("");
      first_boot_nic = FALSE;
      if (b->board->nic_onboard)
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",macaddr=%s", nic->mac)
                                          : g_strdup ("");
          _hg_cmdline_add_printf (b, "-net", "nic,netdev=%s%s%s%s", netdev_id,
                                  model ? ",model=" : "", model ? model : "", mac_opt);
        }
      else
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",mac=%s", nic->mac)
                                          : g_strdup ("");
          _hg_cmdline_add_printf (b, "-device", "%s,netdev=%s%s%s", model, netdev_id, mac_opt,
                                  boot);
        }

      /* Host side; vdeq wants "-net vde,..." which it rewrites */
      _hg_cmdline_add2 (b, use_vdeq ? "-net" : "-netdev", nd->str);
      g_string_free (nd, TRUE);
      if (vde_hub)
        {
          _hg_cmdline_add_printf (b, "-netdev", "hubport,id=plug%u,hubid=%u,netdev=vde%u", i, i, i);
          _hg_cmdline_add_printf (b, "-netdev", "hubport,id=%s,hubid=%u", netdev_id, i);
        }
    }
  return TRUE;
}

gboolean
_hg_cmdline_config_wants_vdeq (HgVmConfig *c)
{
  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      if (nic->mode == HG_NET_VDE && nic->vdeq)
        return TRUE;
    }
  return FALSE;
}
