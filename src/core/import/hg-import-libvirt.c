/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-import-private.h"

/* libvirt domain XML (a file, `virsh dumpxml`, `virt-install --print-xml`)
 * into a Hangar VM. */

/* bytes per unit of libvirt's scaled integers (memory) */
static guint64
unit_bytes (const char *unit)
{
  static const struct { const char *name; guint64 bytes; } units[] = {
    { "b", 1 }, { "bytes", 1 },
    { "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 },
    { "MB", 1000000 }, { "M", 1024 * 1024 }, { "MiB", 1024 * 1024 },
    { "GB", 1000000000 }, { "G", 1024 * 1024 * 1024 }, { "GiB", 1024 * 1024 * 1024 },
    { "TB", G_GUINT64_CONSTANT (1000000000000) },
    { "T", G_GUINT64_CONSTANT (1099511627776) }, { "TiB", G_GUINT64_CONSTANT (1099511627776) },
  };

  if (unit == NULL)
    return 1024;  /* libvirt's default: KiB */
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].name) == 0)
      return units[i].bytes;
  return 0;
}

static const char *
map_arch (const char *arch)
{
  static const char *const pairs[][2] = {
    { "x86_64", "x86_64" }, { "i686", "i386" }, { "i386", "i386" },
    { "aarch64", "aarch64" }, { "armv7l", "arm" }, { "armv6l", "arm" },
    { "ppc", "ppc" }, { "ppc64", "ppc64" }, { "ppc64le", "ppc64" },
    { "riscv64", "riscv64" }, { "mips", "mips" }, { "mipsel", "mipsel" },
    { "sparc", "sparc" }, { "sparc64", "sparc64" }, { "m68k", "m68k" },
    { "alpha", "alpha" }, { "sh4", "sh4" },
  };

  for (guint i = 0; arch != NULL && i < G_N_ELEMENTS (pairs); i++)
    if (strcmp (arch, pairs[i][0]) == 0)
      return pairs[i][1];
  return NULL;
}

/* a versioned machine of another QEMU ("pc-q35-7.2") may not exist in this
 * one: its family's alias is taken */
static char *
map_machine (const char *machine)
{
  if (g_str_has_prefix (machine, "pc-q35-"))
    return g_strdup ("q35");
  if (g_str_has_prefix (machine, "pc-i440fx-") || strcmp (machine, "pc-1.0") == 0)
    return g_strdup ("pc");
  if (g_str_has_prefix (machine, "virt-"))
    return g_strdup ("virt");
  return g_strdup (machine);
}

static const char *
map_bus (const char *bus)
{
  if (bus == NULL)
    return NULL;
  if (strcmp (bus, "virtio") == 0 || strcmp (bus, "ide") == 0 || strcmp (bus, "scsi") == 0 ||
      strcmp (bus, "sd") == 0)
    return bus;
  if (strcmp (bus, "sata") == 0)
    return "ide";
  return NULL;
}

static const char *
map_nic_model (const char *model)
{
  if (model == NULL)
    return NULL;
  if (strcmp (model, "virtio") == 0)
    return "virtio-net-pci";
  if (strcmp (model, "e1000") == 0 || strcmp (model, "e1000e") == 0 ||
      strcmp (model, "rtl8139") == 0 || strcmp (model, "ne2k_pci") == 0 ||
      strcmp (model, "pcnet") == 0 || strcmp (model, "vmxnet3") == 0)
    return model;
  return NULL;
}

static gboolean
map_memory (HgImport   *self,
            HgXmlNode  *node,
            GError    **error)
{
  const char *unit = _hg_xml_attr (node, "unit");
  const char *text = _hg_xml_text (node);
  guint64 per = unit_bytes (unit);
  guint64 value = 0;
  guint64 mib;

  if (per == 0 || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT64 / per, &value, NULL))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: <memory unit='%s'>%s</memory>: not a memory size"),
                   self->display, node->line, unit ? unit : "KiB", text);
      return FALSE;
    }
  mib = value * per / (1024 * 1024);
  if (mib < 1 || mib > HG_CONFIG_MAX_MEMORY_MIB)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: <memory>: %s %s is outside 1 MiB … %d MiB"),
                   self->display, node->line, text, unit ? unit : "KiB", HG_CONFIG_MAX_MEMORY_MIB);
      return FALSE;
    }
  self->config->memory_mib = (guint) mib;
  _hg_import_took (self, node->line, "memory", text, _("%u MiB"), self->config->memory_mib);
  return TRUE;
}

static gboolean
map_os (HgImport   *self,
        HgXmlNode  *os,
        GError    **error)
{
  HgVmConfig *cfg = self->config;
  HgXmlNode *type = _hg_xml_child (os, "type");
  const char *arch = _hg_xml_attr (type, "arch");
  const char *machine = _hg_xml_attr (type, "machine");
  HgXmlNode *loader = _hg_xml_child (os, "loader");
  HgXmlNode *nvram = _hg_xml_child (os, "nvram");
  const char *firmware = _hg_xml_attr (os, "firmware");
  gboolean boot_set = FALSE;

  if (arch != NULL)
    {
      const char *mapped = map_arch (arch);

      if (mapped == NULL)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSUPPORTED,
                       _("%s:%u: <type arch='%s'>: an architecture Hangar does not run"),
                       self->display, type->line, arch);
          return FALSE;
        }
      g_free (cfg->arch);
      cfg->arch = g_strdup (mapped);
      _hg_import_took (self, type->line, "arch", arch, "%s", mapped);
    }
  if (machine != NULL)
    {
      g_free (cfg->machine);
      cfg->machine = map_machine (machine);
      if (strcmp (cfg->machine, machine) != 0)
        _hg_import_took (self, type->line, "machine", machine,
                         _("%s (the versioned type of another QEMU may not exist here)"),
                         cfg->machine);
      else
        _hg_import_took (self, type->line, "machine", machine, "%s", cfg->machine);
    }
  if ((firmware != NULL && strcmp (firmware, "efi") == 0) || loader != NULL)
    _hg_import_skipped (self, loader ? loader->line : os->line, "firmware",
                        loader ? _hg_xml_text (loader) : firmware,
                        _("UEFI firmware: not taken over, this Hangar has no firmware setting; "
                          "the VM starts with BIOS"));
  if (nvram != NULL)
    _hg_import_skipped (self, nvram->line, "nvram", _hg_xml_text (nvram),
                        _("the UEFI variable store: not taken over (no firmware setting)"));

  for (guint i = 0; i < os->children->len; i++)
    {
      HgXmlNode *child = g_ptr_array_index (os->children, i);
      const char *dev = _hg_xml_attr (child, "dev");

      if (strcmp (child->name, "boot") == 0 && dev != NULL)
        {
          HgBootMode mode = HG_BOOT_DISK;

          if (boot_set)
            {
              _hg_import_skipped (self, child->line, "boot", dev,
                                  _("a later boot device: Hangar boots from one (a start can "
                                    "choose another)"));
              continue;
            }
          if (strcmp (dev, "cdrom") == 0)
            mode = HG_BOOT_CDROM;
          else if (strcmp (dev, "network") == 0)
            mode = HG_BOOT_PXE;
          else if (strcmp (dev, "fd") == 0)
            mode = HG_BOOT_FLOPPY;
          cfg->boot_mode = mode;
          boot_set = TRUE;
          _hg_import_took (self, child->line, "boot", dev, _("boot mode %s"),
                           hg_boot_mode_to_string (mode));
        }
      else if (strcmp (child->name, "kernel") == 0 || strcmp (child->name, "initrd") == 0)
        {
          g_autofree char *abs = _hg_import_resolve (self, child->line, child->name,
                                                     _hg_xml_text (child), TRUE, error);

          if (abs == NULL)
            return FALSE;
          if (strcmp (child->name, "kernel") == 0)
            {
              g_free (cfg->kernel);
              cfg->kernel = g_steal_pointer (&abs);
              cfg->boot_mode = HG_BOOT_KERNEL;
              boot_set = TRUE;
            }
          else
            {
              g_free (cfg->initrd);
              cfg->initrd = g_steal_pointer (&abs);
            }
          _hg_import_took (self, child->line, child->name, _hg_xml_text (child), "%s",
                           _("direct kernel boot"));
        }
      else if (strcmp (child->name, "cmdline") == 0)
        {
          g_free (cfg->append);
          cfg->append = g_strdup (_hg_xml_text (child));
          _hg_import_took (self, child->line, "cmdline", cfg->append, "%s",
                           _("kernel command line"));
        }
    }
  return TRUE;
}

static gboolean
map_disk (HgImport   *self,
          HgXmlNode  *node,
          GError    **error)
{
  const char *type = _hg_xml_attr (node, "type");
  const char *device = _hg_xml_attr (node, "device");
  HgXmlNode *source = _hg_xml_child (node, "source");
  HgXmlNode *driver = _hg_xml_child (node, "driver");
  HgXmlNode *target = _hg_xml_child (node, "target");
  const char *file = _hg_xml_attr (source, "file");
  const char *format = _hg_xml_attr (driver, "type");
  const char *bus = _hg_xml_attr (target, "bus");
  const char *dev = _hg_xml_attr (target, "dev");
  g_autofree char *abs = NULL;

  if (device == NULL)
    device = "disk";
  if (type != NULL && strcmp (type, "file") != 0)
    {
      _hg_import_skipped (self, node->line, device, dev,
                          _("a disk of type “%s”: only file-backed disks are imported"), type);
      return TRUE;
    }
  if (file != NULL)
    {
      abs = _hg_import_resolve (self, source->line, device, file, TRUE, error);
      if (abs == NULL)
        return FALSE;
    }

  if (strcmp (device, "cdrom") == 0 || strcmp (device, "floppy") == 0)
    {
      HgMediumKind kind = device[0] == 'c' ? HG_MEDIUM_CDROM : HG_MEDIUM_FLOPPY;

      g_ptr_array_add (self->config->media, hg_medium_new (kind, abs));
      _hg_import_took (self, node->line, device, file, abs ? _("a %s drive with this image")
                                                          : _("an empty %s drive"), device);
      return TRUE;
    }
  if (strcmp (device, "disk") != 0)
    {
      _hg_import_skipped (self, node->line, device, file, _("a device Hangar has no place for"));
      return TRUE;
    }
  if (abs == NULL)
    {
      _hg_import_skipped (self, node->line, "disk", dev, _("a disk without a source file"));
      return TRUE;
    }
  if (format == NULL)
    {
      /* libvirt never probes a format: without a <driver type> it is raw */
      format = "raw";
      _hg_import_took (self, node->line, "driver", NULL, "%s",
                       _("no <driver type=…>: raw, as libvirt takes it"));
    }
  if (!hg_disk_format_is_known (format))
    {
      _hg_import_skipped (self, node->line, "disk", file,
                          _("format “%s”: not one Hangar boots"), format);
      return TRUE;
    }
  _hg_import_add_disk (self, abs, format, map_bus (bus));
  if (bus != NULL && map_bus (bus) == NULL)
    _hg_import_took (self, node->line, "disk", file, _("%s image; bus “%s” becomes the arch's "
                                                       "default"), format, bus);
  else if (bus != NULL && strcmp (bus, "sata") == 0)
    _hg_import_took (self, node->line, "disk", file, _("%s image on IDE (for SATA)"), format);
  else
    _hg_import_took (self, node->line, "disk", file, _("%s image, bus %s"), format,
                     bus ? bus : _("default"));
  return TRUE;
}

static gboolean
map_interface (HgImport   *self,
               HgXmlNode  *node,
               GError    **error)
{
  const char *type = _hg_xml_attr (node, "type");
  const char *mac = _hg_xml_attr (_hg_xml_child (node, "mac"), "address");
  const char *model = _hg_xml_attr (_hg_xml_child (node, "model"), "type");
  const char *network = _hg_xml_attr (_hg_xml_child (node, "source"), "network");
  const char *bridge = _hg_xml_attr (_hg_xml_child (node, "source"), "bridge");
  gboolean vde = self->switch_name != NULL && g_strcmp0 (type, "user") != 0;
  HgNic *nic = hg_nic_new (vde ? HG_NET_VDE : HG_NET_USER);

  if (vde)
    {
      g_free (nic->switch_name);
      nic->switch_name = g_strdup (self->switch_name);
    }
  if (mac != NULL)
    {
      if (hg_mac_is_valid (mac))
        {
          g_free (nic->mac);
          nic->mac = g_ascii_strdown (mac, -1);
        }
      else
        _hg_import_skipped (self, node->line, "mac", mac,
                            _("not a unicast MAC; a new one is made"));
    }
  if (model != NULL)
    {
      if (map_nic_model (model) != NULL)
        nic->model = g_strdup (map_nic_model (model));
      else
        _hg_import_skipped (self, node->line, "model", model,
                            _("a NIC model Hangar does not know; the machine's default"));
    }
  g_ptr_array_add (self->config->nics, nic);
  _hg_import_took (self, node->line, "interface",
                   network ? network : bridge ? bridge : type,
                   vde ? _("a NIC on the VDE switch %s (was a libvirt %s)")
                      : _("a NIC with user-mode networking (was a libvirt %s)"),
                   vde ? self->switch_name : (type ? type : "network"),
                   type ? type : "network");
  return TRUE;
}

/* device elements with nothing to take over: Hangar makes its own */
static gboolean
is_implicit_device (const char *name)
{
  static const char *const implicit[] = {
    "emulator", "controller", "input", "memballoon", "console", "serial", "channel",
    "redirdev", "rng", "watchdog",
  };

  for (guint i = 0; i < G_N_ELEMENTS (implicit); i++)
    if (strcmp (name, implicit[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
map_devices (HgImport   *self,
             HgXmlNode  *devices,
             GError    **error)
{
  HgVmConfig *cfg = self->config;
  gboolean graphics = FALSE;

  for (guint i = 0; i < devices->children->len; i++)
    {
      HgXmlNode *dev = g_ptr_array_index (devices->children, i);

      if (strcmp (dev->name, "disk") == 0)
        {
          if (!map_disk (self, dev, error))
            return FALSE;
        }
      else if (strcmp (dev->name, "interface") == 0)
        {
          if (!map_interface (self, dev, error))
            return FALSE;
        }
      else if (strcmp (dev->name, "graphics") == 0)
        {
          if (!graphics)
            _hg_import_took (self, dev->line, "graphics", _hg_xml_attr (dev, "type"), "%s",
                             _("Hangar's console (VNC on a local socket)"));
          graphics = TRUE;
        }
      else if (strcmp (dev->name, "video") == 0)
        {
          const char *model = _hg_xml_attr (_hg_xml_child (dev, "model"), "type");

          if (g_strcmp0 (model, "vga") == 0 || g_strcmp0 (model, "cirrus") == 0 ||
              g_strcmp0 (model, "virtio") == 0)
            {
              g_free (cfg->vga);
              cfg->vga = g_strdup (strcmp (model, "vga") == 0 ? "std" : model);
              _hg_import_took (self, dev->line, "video", model, "vga=%s", cfg->vga);
            }
          else if (model != NULL)
            _hg_import_skipped (self, dev->line, "video", model,
                                _("a display device Hangar does not set; the machine's default"));
        }
      else if (!is_implicit_device (dev->name))
        _hg_import_skipped (self, dev->line, dev->name, _hg_xml_attr (dev, "model"),
                            _("a device Hangar has no place for"));
    }
  if (!graphics)
    {
      cfg->console = HG_CONSOLE_SERIAL;
      _hg_import_took (self, devices->line, "graphics", NULL, "%s",
                       _("no graphics: the serial console"));
    }
  return TRUE;
}

gboolean
_hg_import_libvirt (HgImport   *self,
                    const char *data,
                    gsize       len,
                    GError    **error)
{
  g_autoptr(HgXmlNode) root = _hg_xml_parse (self->display, data, len, error);
  HgVmConfig *cfg = self->config;

  if (root == NULL)
    return FALSE;
  if (strcmp (root->name, "domain") != 0)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
                   _("%s:%u: the root element is <%s>, not a libvirt <domain>"),
                   self->display, root->line, root->name);
      return FALSE;
    }

  for (guint i = 0; i < root->children->len; i++)
    {
      HgXmlNode *child = g_ptr_array_index (root->children, i);
      const char *name = child->name;

      if (strcmp (name, "name") == 0)
        {
          g_free (cfg->label);
          cfg->label = g_strdup (_hg_xml_text (child));
          _hg_import_took (self, child->line, "name", cfg->label, "%s", _("the VM's name"));
        }
      else if (strcmp (name, "uuid") == 0)
        {
          g_autofree char *uuid = g_ascii_strdown (_hg_xml_text (child), -1);

          if (g_uuid_string_is_valid (uuid))
            {
              g_free (cfg->uuid);
              cfg->uuid = g_steal_pointer (&uuid);
              _hg_import_took (self, child->line, "uuid", cfg->uuid, "%s", _("the VM's UUID"));
            }
          else
            _hg_import_skipped (self, child->line, "uuid", _hg_xml_text (child),
                                _("not a UUID; a new one is made"));
        }
      else if (strcmp (name, "memory") == 0)
        {
          if (!map_memory (self, child, error))
            return FALSE;
        }
      else if (strcmp (name, "vcpu") == 0)
        {
          guint64 n = 0;

          if (!g_ascii_string_to_unsigned (_hg_xml_text (child), 10, 1, HG_CONFIG_MAX_CPUS,
                                           &n, NULL))
            {
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                           _("%s:%u: <vcpu>%s</vcpu>: not a number of CPUs (1 … %d)"),
                           self->display, child->line, _hg_xml_text (child), HG_CONFIG_MAX_CPUS);
              return FALSE;
            }
          cfg->cpus = (guint) n;
          _hg_import_took (self, child->line, "vcpu", _hg_xml_text (child), _("%u CPU(s)"),
                           cfg->cpus);
        }
      else if (strcmp (name, "os") == 0)
        {
          if (!map_os (self, child, error))
            return FALSE;
        }
      else if (strcmp (name, "cpu") == 0)
        {
          const char *mode = _hg_xml_attr (child, "mode");
          const char *model = _hg_xml_text (_hg_xml_child (child, "model"));

          if (g_strcmp0 (mode, "host-passthrough") == 0 || g_strcmp0 (mode, "host-model") == 0)
            {
              /* Hangar's default: "host" with KVM, which a TCG start
               * could not use */
              g_clear_pointer (&cfg->cpu_model, g_free);
              _hg_import_took (self, child->line, "cpu", mode, "%s",
                               _("the host's CPU (with KVM)"));
            }
          else if (model != NULL && model[0] != '\0')
            {
              g_free (cfg->cpu_model);
              cfg->cpu_model = g_strdup (model);
              _hg_import_took (self, child->line, "cpu", model, "%s", _("CPU model"));
            }
        }
      else if (strcmp (name, "devices") == 0)
        {
          if (!map_devices (self, child, error))
            return FALSE;
        }
      else if (strcmp (name, "metadata") == 0)
        {
          HgXmlNode *os = _hg_xml_find (child, "libosinfo/os");
          const char *id = _hg_xml_attr (os, "id");

          if (id != NULL)
            {
              g_free (cfg->os_id);
              cfg->os_id = g_strdup (id);
              _hg_import_took (self, os->line, "os", id, "%s", _("the guest OS (libosinfo)"));
            }
        }
      else if (strcmp (name, "currentMemory") == 0 || strcmp (name, "features") == 0 ||
               strcmp (name, "clock") == 0 || strcmp (name, "pm") == 0 ||
               strcmp (name, "title") == 0 || strcmp (name, "description") == 0 ||
               g_str_has_prefix (name, "on_"))
        _hg_import_skipped (self, child->line, name, NULL, "%s",
                            _("no Hangar setting: QEMU's defaults apply"));
      else
        _hg_import_skipped (self, child->line, name, NULL, _("not taken over"));
    }
  return TRUE;
}
