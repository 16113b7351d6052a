/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-ctys-map-private.h"

/* ------------------------------------------------------------------------
 * The mapping, group by group: network, storage, boot
 * ------------------------------------------------------------------------ */

void
_hg_ctys_map_network (HgCtysMap *m)
{
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *nic_var = _hg_ctys_map_take (m, "NIC");
  HgCtysVar *wrapper = _hg_ctys_map_take (m, "WRAPPERCALL");
  g_autofree char *model = NULL;
  gboolean vdeq = FALSE;

  if (nic_var != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (nic_var->value);

      if (v[0] == '\0')
        {
          const char *macs[] = { "MAC", "MAC0", "MAC1", "MAC2", "MAC3" };

          info (m, nic_var->line, nic_var->name, NULL,
                _("empty: ctys starts this VM without a network card, so does Hangar"));
          for (guint i = 0; i < G_N_ELEMENTS (macs); i++)
            {
              HgCtysVar *mac = g_hash_table_lookup (m->imp->vars, macs[i]);

              if (mac != NULL)
                _hg_ctys_map_reject (m, mac, _("no network card to give it to (NIC is empty)"));
            }
          return;
        }
      if (g_ascii_strcasecmp (v, "virtio") == 0 || g_ascii_strcasecmp (v, "virtio-net") == 0)
        model = g_strdup ("virtio-net-pci");
      else if (_hg_ctys_map_is_token (v, NULL, 64))
        model = g_steal_pointer (&v);
      else
        _hg_ctys_map_reject (m, nic_var, _("not a QEMU NIC model"));
    }

  if (wrapper != NULL)
    {
      g_autofree char *base = g_path_get_basename (wrapper->value);

      vdeq = g_str_has_prefix (base, "vdeq");
      if (!vdeq && g_ascii_strcasecmp (base, "NONE") != 0 && wrapper->value[0] != '\0')
        _hg_ctys_map_reject (m, wrapper, _("only the VDE wrapper vdeq is supported"));
    }

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = i == 0 ? g_strdup ("MAC0") : g_strdup_printf ("MAC%u", i);
      HgCtysVar *mac = _hg_ctys_map_take (m, name);
      g_autofree char *normalized = NULL;
      HgNic *nic;

      if (i == 0)
        {
          HgCtysVar *plain = _hg_ctys_map_take (m, "MAC");

          if (mac == NULL)
            mac = plain;
          else if (plain != NULL && g_strcmp0 (plain->value, mac->value) != 0)
            _hg_ctys_map_reject (m, plain, _("MAC0 (line %u) is used for the first network card"),
                                 mac->line);
          if (mac == NULL)
            mac = _hg_ctys_map_take_meta (m, "MAC0");
          if (mac == NULL)
            mac = _hg_ctys_map_take_meta (m, "MAC");
        }
      else if (mac == NULL)
        continue;

      nic = hg_nic_new (HG_NET_VDE);
      _hg_ctys_map_set_str (&nic->switch_name, "default");
      _hg_ctys_map_set_str (&nic->model, model);
      nic->vdeq = vdeq;

      if (mac != NULL && mac->value[0] != '\0')
        {
          normalized = _hg_ctys_map_normalize_mac (mac->value);
          if (normalized == NULL)
            _hg_ctys_map_reject (m, mac, _("not a unicast MAC address; a new one is generated"));
        }
      if (normalized == NULL)
        {
          normalized = hg_mac_generate ();
          info (m, mac ? mac->line : 0, mac ? mac->name : NULL, NULL,
                _("network card %u gets the generated MAC %s"), i, normalized);
        }
      _hg_ctys_map_set_str (&nic->mac, normalized);
      g_ptr_array_add (cfg->nics, nic);
    }
}

void
_hg_ctys_map_storage (HgCtysMap *m)
{
  static const char *const cdrom_names[] = { "INSTCDROM", "INSTSRCCDROM", "CDIMAGE", "DVDIMAGE", NULL };
  static const char *const floppy_names[] = { "FDDIMAGE", "INSTSRCFDD", "FDA", "FDB", NULL };
  static const char *const usb_names[] = { "USBBOOTIMAGE", "INSTSRCUSB", NULL };
  static const char *const more_disks[] = { "HDB", "HDC", "HDD", NULL };
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *hdd = _hg_ctys_map_take (m, "HDDBOOTIMAGE");
  HgCtysVar *size = _hg_ctys_map_take (m, "HDDBOOTIMAGE_INST_SIZE");
  HgCtysVar *qemu_img = _hg_ctys_map_take (m, "QEMU_IMG");
  const char *create_format = "raw";

  if (qemu_img != NULL && qemu_img->value[0] != '\0')
    {
      g_autofree char *v = _hg_ctys_map_trimmed (qemu_img->value);

      if (strcmp (v, "raw") == 0 || strcmp (v, "qcow2") == 0)
        create_format = strcmp (v, "qcow2") == 0 ? "qcow2" : "raw";
      else
        _hg_ctys_map_reject (m, qemu_img, _("not an image format Hangar creates (raw, qcow2)"));
    }

  if (hdd != NULL && hdd->value[0] != '\0')
    {
      g_autofree char *path = _hg_ctys_map_resolve_path (m, hdd->value);

      _hg_ctys_map_add_disk (m, hdd, path, NULL);
      if (size != NULL)
        info (m, size->line, size->name, size->value,
              _("size for creating the image at install time; the image is %s"),
              hdd->value);
    }
  else if (size != NULL && size->value[0] != '\0')
    {
      /* ctys-createConfVM would create <label>.img of this size at install
       * time; Hangar never creates images on import. */
      g_autofree char *file = g_strconcat (m->imp->label, ".img", NULL);
      g_autofree char *path = _hg_ctys_map_resolve_path (m, file);

      g_ptr_array_add (cfg->disks, hg_disk_new (path, create_format, NULL));
      info (m, size->line, size->name, size->value,
            _("disk %s (%s) is not created by the import: create it with "
              "qemu-img create -f %s %s %s"),
            file, create_format, create_format, file, size->value);
    }

  for (guint i = 0; more_disks[i] != NULL; i++)
    {
      HgCtysVar *var = _hg_ctys_map_take (m, more_disks[i]);
      g_autofree char *path = NULL;

      if (var == NULL || var->value[0] == '\0')
        continue;
      path = _hg_ctys_map_resolve_path (m, var->value);
      _hg_ctys_map_add_disk (m, var, path, NULL);
    }

  for (guint i = 0; cdrom_names[i] != NULL; i++)
    {
      HgCtysVar *var = _hg_ctys_map_take (m, cdrom_names[i]);
      g_autofree char *path = var ? _hg_ctys_map_resolve_path (m, var->value) : NULL;

      if (path != NULL)
        _hg_ctys_map_add_medium (m, HG_MEDIUM_CDROM, path);
    }
  for (guint i = 0; floppy_names[i] != NULL; i++)
    {
      HgCtysVar *var = _hg_ctys_map_take (m, floppy_names[i]);
      g_autofree char *path = var ? _hg_ctys_map_resolve_path (m, var->value) : NULL;

      if (path != NULL)
        _hg_ctys_map_add_medium (m, HG_MEDIUM_FLOPPY, path);
    }
  for (guint i = 0; usb_names[i] != NULL; i++)
    {
      HgCtysVar *var = _hg_ctys_map_take (m, usb_names[i]);
      g_autofree char *path = var ? _hg_ctys_map_resolve_path (m, var->value) : NULL;

      if (path != NULL)
        _hg_ctys_map_add_medium (m, HG_MEDIUM_USB, path);
    }
}

void
_hg_ctys_map_boot (HgCtysMap *m)
{
  static const char *const kernel_names[] = { "KERNELIMAGE", "INST_KERNEL", NULL };
  static const char *const initrd_names[] = { "INITRDIMAGE", "INST_INITRD", NULL };
  static const char *const bootmode_names[] = { "BOOTMODE", "DEFAULTBOOTMODE", NULL };
  static const char *const instmode_names[] = { "INSTMODE", "DEFAULTINSTMODE", NULL };
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *kernel = _hg_ctys_map_take_first (m, kernel_names);
  HgCtysVar *initrd = _hg_ctys_map_take_first (m, initrd_names);
  HgCtysVar *append = _hg_ctys_map_take (m, "APPEND");
  HgCtysVar *bootmode = _hg_ctys_map_take_first (m, bootmode_names);
  HgCtysVar *instmode = _hg_ctys_map_take_first (m, instmode_names);
  HgBootMode mode;
  gboolean have_mode = FALSE;

  if (kernel != NULL)
    {
      g_autofree char *path = _hg_ctys_map_resolve_path (m, kernel->value);

      _hg_ctys_map_set_str (&cfg->kernel, path);
    }
  if (initrd != NULL)
    {
      g_autofree char *path = _hg_ctys_map_resolve_path (m, initrd->value);

      _hg_ctys_map_set_str (&cfg->initrd, path);
    }
  if (append != NULL)
    _hg_ctys_map_set_str (&cfg->append, append->value);

  if (bootmode != NULL && bootmode->value[0] != '\0')
    {
      have_mode = _hg_ctys_map_boot_mode_from_ctys (bootmode->value, &mode);
      if (!have_mode)
        _hg_ctys_map_reject (m, bootmode,
                             _("not a ctys boot mode (VHDD, CD, DVD, "
                               "INSTALL, PXE, KERNEL, FDD, USB)"));
    }
  if (instmode != NULL && instmode->value[0] != '\0')
    {
      HgBootMode inst;

      if (!_hg_ctys_map_boot_mode_from_ctys (instmode->value, &inst))
        _hg_ctys_map_reject (m, instmode,
                             _("not a ctys install mode (CD, DVD, HDD, FDD, USB, PXE)"));
      else if (have_mode)
        info (m, instmode->line, instmode->name, instmode->value,
              _("install with: --boot %s"), hg_boot_mode_to_string (inst));
      else
        {
          mode = inst;
          have_mode = TRUE;
        }
    }

  if (!have_mode)
    {
      /* The ctys wrapper passes -kernel whenever KERNELIMAGE is set */
      if (cfg->kernel != NULL)
        mode = HG_BOOT_KERNEL;
      else if (cfg->disks->len > 0)
        mode = HG_BOOT_DISK;
      else if (hg_vm_config_get_medium (cfg, HG_MEDIUM_CDROM) != NULL)
        mode = HG_BOOT_CDROM;
      else if (hg_vm_config_get_medium (cfg, HG_MEDIUM_FLOPPY) != NULL)
        mode = HG_BOOT_FLOPPY;
      else
        mode = HG_BOOT_PXE;
      info (m, 0, NULL, NULL, _("no BOOTMODE: boot mode %s chosen from what the file provides"),
            hg_boot_mode_to_string (mode));
    }
  cfg->boot_mode = mode;
}
