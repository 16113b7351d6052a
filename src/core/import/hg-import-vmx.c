/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-import-private.h"

/* VMware .vmx files: `key = "value"` lines (keys case-insensitive).  Disks
 * and ISOs are relative to the file's folder and must stay inside it. */

typedef struct {
  char  *key;    /* lower case */
  char  *value;
  guint  line;
  gboolean used;
} VmxEntry;

static void
vmx_entry_free (VmxEntry *e)
{
  g_free (e->key);
  g_free (e->value);
  g_free (e);
}

static VmxEntry *
lookup (GHashTable *keys,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static VmxEntry *
lookup (GHashTable *keys,
        const char *format,
        ...)
{
  g_autofree char *key = NULL;
  g_autofree char *lower = NULL;
  VmxEntry *e;
  va_list args;

  va_start (args, format);
  key = g_strdup_vprintf (format, args);
  va_end (args);
  lower = g_ascii_strdown (key, -1);
  e = g_hash_table_lookup (keys, lower);
  if (e != NULL)
    e->used = TRUE;
  return e;
}

static gboolean
is_true (VmxEntry *e)
{
  return e != NULL && g_ascii_strcasecmp (e->value, "true") == 0;
}

static const char *
nic_model (const char *dev)
{
  if (dev == NULL)
    return NULL;
  if (g_ascii_strcasecmp (dev, "e1000") == 0 || g_ascii_strcasecmp (dev, "e1000e") == 0 ||
      g_ascii_strcasecmp (dev, "vmxnet3") == 0)
    return dev;
  if (g_ascii_strcasecmp (dev, "vlance") == 0)
    return "pcnet";
  return NULL;
}

static gboolean
map_drives (HgImport   *self,
            GHashTable *keys,
            GPtrArray  *order,
            GError    **error)
{
  /* in file order: the first disk is disk 0 (VMware boots the first too) */
  for (guint i = 0; i < order->len; i++)
    {
      VmxEntry *e = g_ptr_array_index (order, i);
      g_autofree char *dev = NULL;
      VmxEntry *present, *type;
      const char *bus;
      char *dot;

      if (!g_str_has_suffix (e->key, ".filename"))
        continue;
      dev = g_strndup (e->key, strlen (e->key) - strlen (".filename"));
      if (!(g_str_has_prefix (dev, "scsi") || g_str_has_prefix (dev, "sata") ||
            g_str_has_prefix (dev, "ide") || g_str_has_prefix (dev, "nvme")) ||
          strchr (dev, ':') == NULL)
        continue;
      e->used = TRUE;
      present = lookup (keys, "%s.present", dev);
      type = lookup (keys, "%s.devicetype", dev);
      if (present != NULL && !is_true (present))
        {
          _hg_import_skipped (self, e->line, e->key, e->value, _("not present"));
          continue;
        }
      dot = g_strdup (dev);
      *strpbrk (dot, "0123456789") = '\0';
      bus = strcmp (dot, "scsi") == 0 ? "scsi" : strcmp (dot, "nvme") == 0 ? "virtio" : "ide";
      g_free (dot);

      if (type != NULL && g_ascii_strcasecmp (type->value, "cdrom-image") == 0)
        {
          g_autofree char *abs = _hg_import_resolve (self, e->line, e->key, e->value, FALSE, error);

          if (abs == NULL)
            return FALSE;
          g_ptr_array_add (self->config->media, hg_medium_new (HG_MEDIUM_CDROM, abs));
          _hg_import_took (self, e->line, e->key, e->value, "%s", _("a CD drive with this image"));
        }
      else if (type == NULL || g_ascii_strcasecmp (type->value, "disk") == 0 ||
               g_ascii_strcasecmp (type->value, "scsi-hardDisk") == 0 ||
               g_ascii_strcasecmp (type->value, "ata-hardDisk") == 0)
        {
          g_autofree char *abs = _hg_import_resolve (self, e->line, e->key, e->value, FALSE, error);

          if (abs == NULL)
            return FALSE;
          if (!g_str_has_suffix (abs, ".vmdk"))
            {
              _hg_import_skipped (self, e->line, e->key, e->value,
                                  _("not a .vmdk: the format is never guessed"));
              continue;
            }
          _hg_import_add_disk (self, abs, "vmdk", bus);
          _hg_import_took (self, e->line, e->key, e->value, _("a vmdk disk on %s%s"), bus,
                           g_str_has_prefix (dev, "sata") ? _(" (for SATA)")
                           : g_str_has_prefix (dev, "nvme") ? _(" (for NVMe)") : "");
        }
      else
        _hg_import_skipped (self, e->line, e->key, e->value,
                            _("a %s drive: only image files are imported"), type->value);
    }
  return TRUE;
}

static void
map_nics (HgImport   *self,
          GHashTable *keys)
{
  for (guint n = 0; n < 10; n++)
    {
      VmxEntry *present = lookup (keys, "ethernet%u.present", n);
      VmxEntry *dev, *type, *addr, *conn;
      HgNic *nic;

      if (!is_true (present))
        continue;
      dev = lookup (keys, "ethernet%u.virtualDev", n);
      type = lookup (keys, "ethernet%u.addressType", n);
      conn = lookup (keys, "ethernet%u.connectionType", n);
      addr = (type != NULL && g_ascii_strcasecmp (type->value, "static") == 0)
             ? lookup (keys, "ethernet%u.address", n)
             : lookup (keys, "ethernet%u.generatedAddress", n);
      lookup (keys, "ethernet%u.address", n);
      lookup (keys, "ethernet%u.generatedAddress", n);
      lookup (keys, "ethernet%u.generatedAddressOffset", n);

      nic = hg_nic_new (HG_NET_USER);
      if (addr != NULL && hg_mac_is_valid (addr->value))
        {
          g_free (nic->mac);
          nic->mac = g_ascii_strdown (addr->value, -1);
        }
      if (dev != NULL && nic_model (dev->value) != NULL)
        nic->model = g_ascii_strdown (nic_model (dev->value), -1);
      else if (dev != NULL)
        _hg_import_skipped (self, dev->line, dev->key, dev->value,
                            _("a NIC model Hangar does not know; the machine's default"));
      g_ptr_array_add (self->config->nics, nic);
      _hg_import_took (self, present->line, present->key, NULL,
                       _("a NIC (%s, MAC %s) with user-mode networking (was %s)"),
                       nic->model ? nic->model : _("default model"), nic->mac,
                       conn ? conn->value : "nat");
    }
}

gboolean
_hg_import_vmx (HgImport   *self,
                const char *data,
                gsize       len,
                GError    **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func ((GDestroyNotify) vmx_entry_free);
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  HgVmConfig *cfg = self->config;
  VmxEntry *e;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *p = g_strstrip (lines[i]);
      const char *eq = strchr (p, '=');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      VmxEntry *entry;

      if (*p == '\0' || *p == '#')
        continue;
      if (eq == NULL || eq == p)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: not a key = \"value\" line"), self->display, i + 1);
          return FALSE;
        }
      key = g_strndup (p, eq - p);
      g_strstrip (key);
      for (const char *k = key; *k != '\0'; k++)
        if (!g_ascii_isalnum (*k) && strchr ("._:-", *k) == NULL)
          {
            g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                         _("%s:%u: not a key = \"value\" line"), self->display, i + 1);
            return FALSE;
          }
      value = g_strdup (eq + 1);
      g_strstrip (value);
      if (value[0] == '"')
        {
          gsize n = strlen (value);

          if (n < 2 || value[n - 1] != '"')
            {
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                           _("%s:%u: %s: unterminated quote"), self->display, i + 1, key);
              return FALSE;
            }
          value[n - 1] = '\0';
          memmove (value, value + 1, n - 1);
        }
      entry = g_new0 (VmxEntry, 1);
      entry->key = g_ascii_strdown (key, -1);
      entry->value = g_steal_pointer (&value);
      entry->line = i + 1;
      g_ptr_array_add (order, entry);
      g_hash_table_insert (keys, entry->key, entry);
    }

  if ((e = lookup (keys, "displayName")) != NULL)
    {
      cfg->label = g_strdup (e->value);
      _hg_import_took (self, e->line, "displayName", e->value, "%s", _("the VM's name"));
    }
  if ((e = lookup (keys, "memsize")) != NULL)
    {
      guint64 mib = 0;

      if (!g_ascii_string_to_unsigned (e->value, 10, 1, HG_CONFIG_MAX_MEMORY_MIB, &mib, NULL))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: memsize: “%s” is not a size in MiB"), self->display, e->line,
                       e->value);
          return FALSE;
        }
      cfg->memory_mib = (guint) mib;
      _hg_import_took (self, e->line, "memsize", e->value, _("%u MiB"), cfg->memory_mib);
    }
  if ((e = lookup (keys, "numvcpus")) != NULL)
    {
      guint64 n = 0;

      if (!g_ascii_string_to_unsigned (e->value, 10, 1, HG_CONFIG_MAX_CPUS, &n, NULL))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: numvcpus: “%s” is not a number of CPUs"), self->display,
                       e->line, e->value);
          return FALSE;
        }
      cfg->cpus = (guint) n;
      _hg_import_took (self, e->line, "numvcpus", e->value, _("%u CPU(s)"), cfg->cpus);
    }
  if ((e = lookup (keys, "guestOS")) != NULL)
    {
      g_autofree char *id = _hg_import_osinfo_id (e->value);

      if (id != NULL)
        {
          cfg->os_id = g_steal_pointer (&id);
          _hg_import_took (self, e->line, "guestOS", e->value, _("libosinfo's %s"), cfg->os_id);
        }
      else
        _hg_import_skipped (self, e->line, "guestOS", e->value,
                            _("no libosinfo OS of that id"));
    }
  if ((e = lookup (keys, "firmware")) != NULL && g_ascii_strcasecmp (e->value, "efi") == 0)
    _hg_import_skipped (self, e->line, "firmware", e->value,
                        _("UEFI firmware: not taken over, this Hangar has no firmware setting; "
                          "the VM starts with BIOS"));

  if (!map_drives (self, keys, order, error))
    return FALSE;
  map_nics (self, keys);

  for (guint i = 0; i < order->len; i++)
    {
      VmxEntry *entry = g_ptr_array_index (order, i);

      /* the bookkeeping of VMware itself is not worth a line each */
      if (entry->used || g_str_has_suffix (entry->key, ".present") ||
          g_str_has_prefix (entry->key, "pcibridge") || g_str_has_prefix (entry->key, "uuid.") ||
          g_str_has_prefix (entry->key, "vmci") || g_str_has_prefix (entry->key, "tools.") ||
          g_str_has_prefix (entry->key, ".encoding") || g_str_has_prefix (entry->key, "config.") ||
          g_str_has_prefix (entry->key, "virtualhw.") || g_str_has_prefix (entry->key, "extendedconfigfile") ||
          g_str_has_suffix (entry->key, ".pcislotnumber"))
        continue;
      _hg_import_skipped (self, entry->line, entry->key, entry->value,
                          _("a VMware setting Hangar has no place for"));
    }
  return TRUE;
}
