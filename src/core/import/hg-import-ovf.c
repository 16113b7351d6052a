/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-import-private.h"

/* OVF envelopes (VirtualBox and VMware exports), beside their disks or in
 * an OVA: a tar read here header by header (ustar, checked), of which only
 * the .ovf, the .mf and the disks the envelope references are ever read,
 * and only members with a plain file name (no "/", no ".."). The manifest's
 * SHA1/SHA256 digests are checked; the disks must be VMDKs and are always
 * converted to qcow2. */

#define MAX_MEMBERS 10000

typedef struct {
  guint64 offset;
  guint64 size;
} Member;

static gboolean
plain_name (const char *name)
{
  return name[0] != '\0' && name[0] != '.' && strchr (name, '/') == NULL &&
         strstr (name, "..") == NULL;
}

static guint64
tar_number (const guchar *field,
            gsize         len)
{
  guint64 v = 0;

  if (field[0] & 0x80)
    {
      /* base-256 (GNU, for sizes past 8 GiB) */
      for (gsize i = 1; i < len; i++)
        v = (v << 8) | field[i];
      return v;
    }
  for (gsize i = 0; i < len && field[i] != '\0' && field[i] != ' '; i++)
    if (field[i] >= '0' && field[i] <= '7')
      v = (v << 3) | (guint64) (field[i] - '0');
  return v;
}

/* name -> Member*: the regular members with a plain name */
static GHashTable *
ova_index (HgImport  *self,
           GError   **error)
{
  g_autoptr(GHashTable) members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint64 pos = 0;
  gboolean named_elsewhere = FALSE;
  int fd = g_open (self->path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO, _("%s: cannot open: %s"),
                   self->display, g_strerror (saved));
      return NULL;
    }
  for (guint count = 0;; count++)
    {
      guchar h[512];
      guint64 sum = 0, stored, size;
      char name[256 + 2] = { 0 };
      gssize n = pread (fd, h, sizeof h, (off_t) pos);
      gboolean zero = TRUE;

      if (n == 0 && count > 0)
        break;
      for (gssize i = 0; i < n && zero; i++)
        zero = h[i] == 0;
      if (n == 512 && zero && count > 0)
        break;
      if (n != 512 || count >= MAX_MEMBERS)
        {
          close (fd);
          g_set_error (error, HG_IMPORT_ERROR, count >= MAX_MEMBERS ? HG_IMPORT_ERROR_TOO_LARGE
                                                                     : HG_IMPORT_ERROR_PARSE,
                       _("%s: not an OVA (a tar file): no valid header at byte %llu"),
                       self->display, (unsigned long long) pos);
          return NULL;
        }
      for (guint i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
      stored = tar_number (h + 148, 8);
      if (sum != stored || memcmp (h + 257, "ustar", 5) != 0)
        {
          close (fd);
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s: not an OVA (a tar file): no valid header at byte %llu"),
                       self->display, (unsigned long long) pos);
          return NULL;
        }
      size = tar_number (h + 124, 12);
      {
        gsize plen = h[345] != '\0' ? strnlen ((char *) h + 345, 155) : 0;
        gsize nlen = strnlen ((char *) h, 100);

        memcpy (name, h + 345, plen);
        if (plen > 0)
          name[plen++] = '/';
        memcpy (name + plen, h, nlen);
        name[plen + nlen] = '\0';
      }
      if ((h[156] == '0' || h[156] == '\0') && !named_elsewhere && plain_name (name))
        {
          Member *m = g_new0 (Member, 1);

          m->offset = pos + 512;
          m->size = size;
          g_hash_table_replace (members, g_strdup (name), m);
        }
      /* a GNU long name or a pax header names the next member: not ours */
      named_elsewhere = h[156] == 'L' || h[156] == 'x' || h[156] == 'K';
      pos += 512 + ((size + 511) / 512) * 512;
    }
  close (fd);
  return g_steal_pointer (&members);
}

static char *
ova_read (HgImport  *self,
          Member    *m,
          const char *name,
          gsize     *out_len,
          GError   **error)
{
  g_autofree char *buf = NULL;
  gssize n;
  int fd;

  if (m->size > HG_IMPORT_MAX_SIZE)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_TOO_LARGE,
                   _("%s: %s: larger than %d bytes; not imported"), self->display, name,
                   HG_IMPORT_MAX_SIZE);
      return NULL;
    }
  buf = g_malloc (m->size + 1);
  fd = g_open (self->path, O_RDONLY | O_CLOEXEC, 0);
  n = fd >= 0 ? pread (fd, buf, m->size, (off_t) m->offset) : -1;
  if (fd >= 0)
    close (fd);
  if (n != (gssize) m->size)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                   _("%s: %s: cannot read (the file ends early)"), self->display, name);
      return NULL;
    }
  buf[m->size] = '\0';
  *out_len = m->size;
  return g_steal_pointer (&buf);
}

/* "SHA256(name)= hex" lines: name -> "TYPE:hex" */
static GHashTable *
parse_manifest (HgImport    *self,
                const char  *shown,
                const char  *data,
                GError     **error)
{
  g_autoptr(GHashTable) sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *open = strchr (line, '(');
      char *close = strstr (line, ")=");
      g_autofree char *type = NULL;
      g_autofree char *hex = NULL;

      if (line[0] == '\0')
        continue;
      if (open == NULL || close == NULL || close < open)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: not a manifest line “SHA256(FILE)= DIGEST”"), shown, i + 1);
          return NULL;
        }
      type = g_ascii_strup (line, open - line);
      hex = g_ascii_strdown (g_strstrip (close + 2), -1);
      if (strcmp (type, "SHA1") != 0 && strcmp (type, "SHA256") != 0 &&
          strcmp (type, "SHA512") != 0)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: digest “%s”: not SHA1, SHA256 or SHA512"), shown, i + 1, type);
          return NULL;
        }
      g_hash_table_replace (sums, g_strndup (open + 1, close - open - 1),
                            g_strconcat (type, ":", hex, NULL));
    }
  return g_steal_pointer (&sums);
}

static GChecksumType
checksum_type (const char *type)
{
  return strcmp (type, "SHA1") == 0 ? G_CHECKSUM_SHA1
         : strcmp (type, "SHA512") == 0 ? G_CHECKSUM_SHA512 : G_CHECKSUM_SHA256;
}

static gboolean
check_digest (HgImport     *self,
              const char   *name,
              const char   *type,
              const char   *want,
              const char   *got,
              GError      **error)
{
  if (g_ascii_strcasecmp (want, got) == 0)
    return TRUE;
  g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_CHECKSUM,
               _("%s: %s: its %s digest is %s, the manifest says %s; refused (damaged or "
                 "altered)"), self->display, name, type, got, want);
  return FALSE;
}

/* copies size bytes at offset of src (or all of it) to dest (NULL: only
 * digests), digesting them */
static gboolean
copy_digest (HgImport      *self,
             HgImportDisk  *disk,
             const char    *src,
             gboolean       whole,
             const char    *dest,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GChecksum) sum = disk->checksum_type
                             ? g_checksum_new (checksum_type (disk->checksum_type)) : NULL;
  g_autofree char *buf = g_malloc (1024 * 1024);
  guint64 pos = whole ? 0 : disk->tar_offset;
  guint64 left = whole ? G_MAXUINT64 : disk->tar_size;
  int in = g_open (src, O_RDONLY | O_CLOEXEC, 0);
  int out = -1;
  gboolean ok = FALSE;

  if (in < 0)
    {
      int saved = errno;

      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO, _("%s: cannot open: %s"), src,
                   g_strerror (saved));
      return FALSE;
    }
  if (dest != NULL && (out = g_open (dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;

      close (in);
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO, _("%s: cannot create: %s"), dest,
                   g_strerror (saved));
      return FALSE;
    }
  while (left > 0)
    {
      gssize n = pread (in, buf, MIN (left, 1024 * 1024), (off_t) pos);

      if (n < 0 && errno == EINTR)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      if (n < 0 || (n == 0 && !whole))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                       _("%s: %s: cannot read (the file ends early)"), self->display, disk->name);
          goto out;
        }
      if (n == 0)
        break;
      if (sum != NULL)
        g_checksum_update (sum, (guchar *) buf, n);
      for (gssize done = 0; out >= 0 && done < n; )
        {
          gssize w = write (out, buf + done, n - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              int saved = errno;

              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO, _("%s: cannot write: %s"),
                           dest, g_strerror (saved));
              goto out;
            }
          done += w;
        }
      pos += n;
      if (!whole)
        left -= n;
    }
  ok = sum == NULL || check_digest (self, disk->name, disk->checksum_type, disk->checksum,
                                    g_checksum_get_string (sum), error);
out:
  close (in);
  if (out >= 0 && close (out) != 0 && ok)
    ok = FALSE;
  return ok;
}

static gboolean
ova_extract (HgImport      *self,
             HgImportDisk  *disk,
             const char    *dest,
             GCancellable  *cancellable,
             GError       **error)
{
  return copy_digest (self, disk, self->path, FALSE, dest, cancellable, error);
}

static gboolean
ovf_verify (HgImport      *self,
            HgImportDisk  *disk,
            const char    *dest,
            GCancellable  *cancellable,
            GError       **error)
{
  return copy_digest (self, disk, disk->source, TRUE, NULL, cancellable, error);
}

/* the element's child text, e.g. rasd:ResourceType */
static const char *
item_value (HgXmlNode  *item,
            const char *name)
{
  return _hg_xml_text (_hg_xml_child (item, name));
}

static guint64
alloc_units_bytes (const char *units)
{
  /* "byte * 2^20", "MegaBytes", "GigaBytes", "KiloBytes" */
  const char *pow = units ? strstr (units, "2^") : NULL;

  if (units == NULL)
    return 1024 * 1024;
  if (pow != NULL)
    {
      guint64 e = g_ascii_strtoull (pow + 2, NULL, 10);

      return e <= 40 ? G_GUINT64_CONSTANT (1) << e : 0;
    }
  if (g_ascii_strncasecmp (units, "Giga", 4) == 0)
    return 1024 * 1024 * 1024;
  if (g_ascii_strncasecmp (units, "Mega", 4) == 0)
    return 1024 * 1024;
  if (g_ascii_strncasecmp (units, "Kilo", 4) == 0)
    return 1024;
  if (g_ascii_strncasecmp (units, "byte", 4) == 0)
    return 1;
  return 0;
}

static const char *
nic_model (const char *subtype)
{
  static const char *const pairs[][2] = {
    { "E1000", "e1000" }, { "E1000e", "e1000e" }, { "PCNet32", "pcnet" },
    { "VmxNet3", "vmxnet3" }, { "virtio", "virtio-net-pci" }, { "Am79C973", "pcnet" },
    { "Am79C970A", "pcnet" }, { "82540EM", "e1000" }, { "82545EM", "e1000" },
    { "82543GC", "e1000" },
  };

  for (guint i = 0; subtype != NULL && i < G_N_ELEMENTS (pairs); i++)
    if (g_ascii_strcasecmp (subtype, pairs[i][0]) == 0)
      return pairs[i][1];
  return NULL;
}

static gboolean
map_hardware (HgImport    *self,
              HgXmlNode   *hw,
              GHashTable  *files,     /* File id -> href */
              GHashTable  *disks,     /* Disk id -> HgXmlNode */
              GHashTable  *members,   /* OVA members, or NULL */
              GHashTable  *sums,      /* manifest, or NULL */
              GError     **error)
{
  HgVmConfig *cfg = self->config;
  g_autoptr(GHashTable) controllers = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < hw->children->len; i++)
    {
      HgXmlNode *item = g_ptr_array_index (hw->children, i);
      const char *id = item_value (item, "InstanceID");
      const char *type = item_value (item, "ResourceType");

      if (id != NULL && type != NULL)
        g_hash_table_insert (controllers, (char *) id, (char *) type);
    }

  for (guint i = 0; i < hw->children->len; i++)
    {
      HgXmlNode *item = g_ptr_array_index (hw->children, i);
      const char *type = item_value (item, "ResourceType");
      const char *quantity = item_value (item, "VirtualQuantity");
      const char *label = item_value (item, "ElementName");
      guint64 rt = 0;

      if (strcmp (item->name, "Item") != 0 && strcmp (item->name, "EthernetPortItem") != 0 &&
          strcmp (item->name, "StorageItem") != 0)
        continue;
      if (type == NULL || !g_ascii_string_to_unsigned (type, 10, 0, 100000, &rt, NULL))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: an <Item> without a valid <ResourceType>"), self->display,
                       item->line);
          return FALSE;
        }
      switch (rt)
        {
        case 3:
          {
            guint64 n = 0;

            if (!g_ascii_string_to_unsigned (quantity, 10, 1, HG_CONFIG_MAX_CPUS, &n, NULL))
              {
                g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                             _("%s:%u: CPU <VirtualQuantity>%s</VirtualQuantity>: not a number "
                               "of CPUs"), self->display, item->line, quantity ? quantity : "");
                return FALSE;
              }
            cfg->cpus = (guint) n;
            _hg_import_took (self, item->line, "CPU", quantity, _("%u CPU(s)"), cfg->cpus);
            break;
          }
        case 4:
          {
            const char *units = item_value (item, "AllocationUnits");
            guint64 per = alloc_units_bytes (units);
            guint64 n = 0;

            if (per == 0 || !g_ascii_string_to_unsigned (quantity, 10, 1, G_MAXUINT64 / per, &n,
                                                         NULL) ||
                n * per / (1024 * 1024) < 1 ||
                n * per / (1024 * 1024) > HG_CONFIG_MAX_MEMORY_MIB)
              {
                g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                             _("%s:%u: memory %s (%s): not a memory size"), self->display,
                             item->line, quantity ? quantity : "", units ? units : "MiB");
                return FALSE;
              }
            cfg->memory_mib = (guint) (n * per / (1024 * 1024));
            _hg_import_took (self, item->line, "memory", quantity, _("%u MiB"), cfg->memory_mib);
            break;
          }
        case 10:
          {
            const char *sub = item_value (item, "ResourceSubType");
            const char *mac = item_value (item, "Address");
            HgNic *nic = hg_nic_new (HG_NET_USER);

            if (nic_model (sub) != NULL)
              nic->model = g_strdup (nic_model (sub));
            if (mac != NULL && hg_mac_is_valid (mac))
              {
                g_free (nic->mac);
                nic->mac = g_ascii_strdown (mac, -1);
              }
            g_ptr_array_add (cfg->nics, nic);
            _hg_import_took (self, item->line, "NIC", sub,
                             _("a NIC (%s) with user-mode networking"),
                             nic->model ? nic->model : _("default model"));
            break;
          }
        case 15:
        case 16:
          /* an OVA carries no medium for it */
          _hg_import_skipped (self, item->line, "CD", label, "%s",
                              _("an empty CD drive: not taken over (add one in the VM's "
                                "properties when needed)"));
          break;
        case 17:
          {
            const char *res = item_value (item, "HostResource");
            const char *parent = item_value (item, "Parent");
            const char *ptype = parent ? g_hash_table_lookup (controllers, parent) : NULL;
            const char *slash = res ? strrchr (res, '/') : NULL;
            HgXmlNode *disk = slash ? g_hash_table_lookup (disks, slash + 1) : NULL;
            const char *file_ref = _hg_xml_attr (disk, "fileRef");
            const char *format = _hg_xml_attr (disk, "format");
            const char *href = file_ref ? g_hash_table_lookup (files, file_ref) : NULL;
            const char *bus = g_strcmp0 (ptype, "6") == 0 ? "scsi" : "ide";
            const char *sum;
            HgImportDisk *d;

            if (href == NULL)
              {
                g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                             _("%s:%u: disk “%s”: no <Disk> with a <File> of that id"),
                             self->display, item->line, res ? res : "");
                return FALSE;
              }
            if (format == NULL || strstr (format, "vmdk") == NULL)
              {
                g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSUPPORTED,
                             _("%s:%u: disk %s: format “%s” is not a VMDK; refused"),
                             self->display, disk->line, href, format ? format : "");
                return FALSE;
              }
            if (members != NULL)
              {
                Member *m = g_hash_table_lookup (members, href);

                if (m == NULL)
                  {
                    g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                                 _("%s: the disk %s is not in the OVA"), self->display, href);
                    return FALSE;
                  }
                d = _hg_import_add_disk (self, self->path, "vmdk", bus);
                d->in_tar = TRUE;
                d->tar_offset = m->offset;
                d->tar_size = m->size;
              }
            else
              {
                g_autofree char *abs = _hg_import_resolve (self, item->line, "disk", href, FALSE,
                                                           error);

                if (abs == NULL)
                  return FALSE;
                d = _hg_import_add_disk (self, abs, "vmdk", bus);
              }
            g_free (d->name);
            d->name = g_strdup (href);
            d->must_convert = TRUE;
            sum = sums ? g_hash_table_lookup (sums, href) : NULL;
            if (sum != NULL)
              {
                d->checksum_type = g_strndup (sum, strchr (sum, ':') - sum);
                d->checksum = g_strdup (strchr (sum, ':') + 1);
              }
            _hg_import_took (self, item->line, "disk", href,
                             _("a VMDK, converted to qcow2 (%s)%s"), bus,
                             sum ? _("; its manifest digest checked") : "");
            break;
          }
        case 5:
        case 6:
        case 20:
        case 1:
          break;
        default:
          _hg_import_skipped (self, item->line, label ? label : type, NULL,
                              _("a device (ResourceType %s) Hangar has no place for"), type);
        }
    }
  return TRUE;
}

gboolean
_hg_import_ovf (HgImport *self,
                GError  **error)
{
  g_autoptr(GHashTable) members = NULL;
  g_autoptr(GHashTable) sums = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) disks = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(HgXmlNode) root = NULL;
  g_autofree char *ovf = NULL;
  g_autofree char *ovf_name = NULL;
  g_autofree char *mf = NULL;
  g_autofree char *shown = NULL;
  HgXmlNode *vs, *hw, *node;
  gsize len = 0;

  self->extract = ova_extract;
  self->verify = ovf_verify;

  if (self->format == HG_IMPORT_FORMAT_OVA)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_autofree char *mf_name = NULL;
      Member *mf_member;

      members = ova_index (self, error);
      if (members == NULL)
        return FALSE;
      g_hash_table_iter_init (&iter, members);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (g_str_has_suffix (key, ".ovf") && (ovf_name == NULL || strcmp (key, ovf_name) < 0))
          {
            g_free (ovf_name);
            ovf_name = g_strdup (key);
          }
      if (ovf_name == NULL)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s: no .ovf envelope in the OVA"), self->display);
          return FALSE;
        }
      ovf = ova_read (self, g_hash_table_lookup (members, ovf_name), ovf_name, &len, error);
      if (ovf == NULL)
        return FALSE;
      shown = g_strdup_printf ("%s/%s", self->display, ovf_name);
      mf_name = g_strdup_printf ("%.*s.mf", (int) strlen (ovf_name) - 4, ovf_name);
      mf_member = g_hash_table_lookup (members, mf_name);
      if (mf_member != NULL)
        {
          gsize mf_len = 0;
          g_autofree char *mf_shown = g_strdup_printf ("%s/%s", self->display, mf_name);

          mf = ova_read (self, mf_member, mf_name, &mf_len, error);
          if (mf == NULL || !_hg_import_check_text (mf_shown, mf, mf_len, error))
            return FALSE;
          sums = parse_manifest (self, mf_shown, mf, error);
          if (sums == NULL)
            return FALSE;
        }
    }
  else
    {
      g_autofree char *mf_path = NULL;

      ovf = _hg_import_read_text (self->path, &len, error);
      if (ovf == NULL)
        return FALSE;
      shown = g_strdup (self->display);
      ovf_name = g_path_get_basename (self->path);
      mf_path = g_strdup_printf ("%.*s.mf", (int) strlen (self->path) -
                                 (g_str_has_suffix (self->path, ".ovf") ? 4 : 0), self->path);
      if (g_file_test (mf_path, G_FILE_TEST_EXISTS))
        {
          gsize mf_len = 0;

          mf = _hg_import_read_text (mf_path, &mf_len, error);
          if (mf == NULL)
            return FALSE;
          sums = parse_manifest (self, mf_path, mf, error);
          if (sums == NULL)
            return FALSE;
        }
    }
  if (!_hg_import_check_text (shown, ovf, len, error))
    return FALSE;
  if (sums != NULL && g_hash_table_contains (sums, ovf_name))
    {
      const char *sum = g_hash_table_lookup (sums, ovf_name);
      g_autofree char *type = g_strndup (sum, strchr (sum, ':') - sum);
      g_autofree char *got = g_compute_checksum_for_data (checksum_type (type), (guchar *) ovf, len);

      if (!check_digest (self, ovf_name, type, strchr (sum, ':') + 1, got, error))
        return FALSE;
      _hg_import_took (self, 0, ovf_name, NULL, _("its manifest digest (%s) checked"), type);
    }

  root = _hg_xml_parse (shown, ovf, len, error);
  if (root == NULL)
    return FALSE;
  if (strcmp (root->name, "Envelope") != 0)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
                   _("%s:%u: the root element is <%s>, not an OVF <Envelope>"), shown,
                   root->line, root->name);
      return FALSE;
    }
  /* the display name of messages is the envelope's from here on */
  g_free (self->display);
  self->display = g_strdup (shown);

  node = _hg_xml_child (root, "References");
  for (guint i = 0; node != NULL && i < node->children->len; i++)
    {
      HgXmlNode *file = g_ptr_array_index (node->children, i);
      const char *id = _hg_xml_attr (file, "id");
      const char *href = _hg_xml_attr (file, "href");

      if (strcmp (file->name, "File") != 0 || id == NULL || href == NULL)
        continue;
      if (!plain_name (href))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                       _("%s:%u: file “%s”: refused: only plain file names beside the "
                         "envelope (no “/” or “..”)"), shown, file->line, href);
          return FALSE;
        }
      g_hash_table_insert (files, (char *) id, (char *) href);
    }
  node = _hg_xml_child (root, "DiskSection");
  for (guint i = 0; node != NULL && i < node->children->len; i++)
    {
      HgXmlNode *disk = g_ptr_array_index (node->children, i);
      const char *id = _hg_xml_attr (disk, "diskId");

      if (strcmp (disk->name, "Disk") == 0 && id != NULL)
        g_hash_table_insert (disks, (char *) id, disk);
    }

  vs = _hg_xml_child (root, "VirtualSystem");
  if (vs == NULL)
    vs = _hg_xml_find (root, "VirtualSystemCollection/VirtualSystem");
  if (vs == NULL)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: no <VirtualSystem> in the envelope"), shown, root->line);
      return FALSE;
    }
  {
    const char *name = _hg_xml_text (_hg_xml_child (vs, "Name"));

    if (name == NULL || name[0] == '\0')
      name = _hg_xml_attr (vs, "id");
    if (name != NULL)
      {
        self->config->label = g_strdup (name);
        _hg_import_took (self, vs->line, "VirtualSystem", name, "%s", _("the VM's name"));
      }
  }
  node = _hg_xml_child (vs, "OperatingSystemSection");
  if (node != NULL)
    {
      const char *desc = _hg_xml_text (_hg_xml_child (node, "Description"));
      const char *os_type = _hg_xml_attr (node, "osType");
      g_autofree char *id = os_type ? _hg_import_osinfo_id (os_type) : NULL;

      if (id != NULL)
        {
          self->config->os_id = g_steal_pointer (&id);
          _hg_import_took (self, node->line, "osType", os_type, _("libosinfo's %s"),
                           self->config->os_id);
        }
      else if (desc != NULL && desc[0] != '\0')
        {
          self->config->os_name = g_strdup (desc);
          _hg_import_took (self, node->line, "OperatingSystem", desc, "%s",
                           _("the guest OS's name"));
        }
    }
  hw = _hg_xml_child (vs, "VirtualHardwareSection");
  if (hw == NULL)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: no <VirtualHardwareSection>"), shown, vs->line);
      return FALSE;
    }
  for (guint i = 0; i < hw->children->len; i++)
    {
      HgXmlNode *c = g_ptr_array_index (hw->children, i);

      if (strcmp (c->name, "Config") == 0 && g_strcmp0 (_hg_xml_attr (c, "key"), "firmware") == 0 &&
          g_strcmp0 (_hg_xml_attr (c, "value"), "efi") == 0)
        _hg_import_skipped (self, c->line, "firmware", "efi",
                            _("UEFI firmware: not taken over, this Hangar has no firmware setting; "
                              "the VM starts with BIOS"));
    }
  if (!map_hardware (self, hw, files, disks, members, sums, error))
    return FALSE;
  if (self->config->disks->len > 0)
    self->config->boot_mode = HG_BOOT_DISK;
  return TRUE;
}
