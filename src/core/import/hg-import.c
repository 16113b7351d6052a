/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-private.h"
#include "hg-import-private.h"
#include "hg-osinfo.h"

/* The common part of the importers: reading and detecting a file, the
 * rules for the paths it names, the report, and writing the new VM with
 * its disks linked, copied or converted. */

G_DEFINE_QUARK (hg-import-error-quark, hg_import_error)

static const char *const format_names[] = {
  "auto", "ctys", "libvirt", "quickemu", "ovf", "ova", "vmx",
};

const char *
hg_import_format_to_string (HgImportFormat format)
{
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_names), NULL);
  return format_names[format];
}

static int
name_index (const char *const *names,
            guint               n,
            const char         *str)
{
  for (guint i = 0; str != NULL && i < n; i++)
    if (g_ascii_strcasecmp (str, names[i]) == 0)
      return (int) i;
  return -1;
}

gboolean
hg_import_format_from_string (const char     *str,
                              HgImportFormat *out)
{
  int i = name_index (format_names, G_N_ELEMENTS (format_names), str);

  if (i >= 0)
    *out = (HgImportFormat) i;
  return i >= 0;
}

static const char *const disks_names[] = { "link", "copy", "convert" };

const char *
hg_import_disks_to_string (HgImportDisks mode)
{
  g_return_val_if_fail ((guint) mode < G_N_ELEMENTS (disks_names), NULL);
  return disks_names[mode];
}

gboolean
hg_import_disks_from_string (const char    *str,
                             HgImportDisks *out)
{
  int i = name_index (disks_names, G_N_ELEMENTS (disks_names), str);

  if (i >= 0)
    *out = (HgImportDisks) i;
  return i >= 0;
}

/* ------------------------------------------------------------------------
 * Notes
 * ------------------------------------------------------------------------ */

void
_hg_import_disk_free (HgImportDisk *disk)
{
  g_free (disk->source);
  g_free (disk->format);
  g_free (disk->name);
  g_free (disk->checksum_type);
  g_free (disk->checksum);
  g_free (disk);
}

static void
add_note (HgImport       *self,
          HgCtysNoteKind  kind,
          guint           line,
          const char     *key,
          const char     *value,
          const char     *format,
          va_list         args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  _hg_ctys_add_note (self->notes, kind, line, key, value, "%s", message);
}

void
_hg_import_took (HgImport   *self,
                 guint       line,
                 const char *key,
                 const char *value,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  add_note (self, HG_CTYS_NOTE_INFO, line, key, value, format, args);
  va_end (args);
}

void
_hg_import_skipped (HgImport   *self,
                    guint       line,
                    const char *key,
                    const char *value,
                    const char *format,
                    ...)
{
  va_list args;

  va_start (args, format);
  add_note (self, HG_CTYS_NOTE_UNMAPPED, line, key, value, format, args);
  va_end (args);
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

gboolean
_hg_import_check_text (const char *display,
                       const char *data,
                       gsize       len,
                       GError    **error)
{
  const char *bad;
  guint line = 1;

  if (len > HG_IMPORT_MAX_SIZE)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_TOO_LARGE,
                   _("%s: larger than %d bytes; not imported"), display, HG_IMPORT_MAX_SIZE);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\0')
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: NUL byte; not a text file"), display, line);
          return FALSE;
        }
      if (data[i] == '\n' && ++line > HG_IMPORT_MAX_LINES)
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_TOO_LARGE,
                       _("%s: more than %d lines; not imported"), display, HG_IMPORT_MAX_LINES);
          return FALSE;
        }
    }
  if (!g_utf8_validate (data, len, &bad))
    {
      line = 1;
      for (const char *p = data; p < bad; p++)
        line += *p == '\n';
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: invalid UTF-8 byte 0x%02x"), display, line, (guchar) *bad);
      return FALSE;
    }
  return TRUE;
}

char *
_hg_import_read_text (const char *path,
                      gsize      *out_len,
                      GError    **error)
{
  g_autofree char *buf = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;

  buf = _hg_ctys_read_at_most (path, HG_IMPORT_MAX_SIZE, &len, &local);
  if (buf == NULL)
    {
      g_set_error_literal (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO, local->message);
      return NULL;
    }
  if (!_hg_import_check_text (path, buf, len, error))
    return NULL;
  *out_len = len;
  return g_steal_pointer (&buf);
}

/* ------------------------------------------------------------------------
 * Detection
 * ------------------------------------------------------------------------ */

/* the first element's name, after the XML declaration, comments and
 * whitespace; NULL when the text does not start like XML */
static char *
first_element (const char *p)
{
  for (;;)
    {
      while (g_ascii_isspace (*p))
        p++;
      if (g_str_has_prefix (p, "<?") || g_str_has_prefix (p, "<!--"))
        {
          const char *end = strstr (p, g_str_has_prefix (p, "<?") ? "?>" : "-->");

          if (end == NULL)
            return NULL;
          p = end + 2;
          continue;
        }
      if (g_str_has_prefix (p, "<!"))
        return g_strdup ("!");   /* a DOCTYPE: still XML, refused by the parser */
      if (*p != '<')
        return NULL;
      p++;
      {
        const char *s = p;
        const char *colon;

        while (*p != '\0' && !g_ascii_isspace (*p) && *p != '>' && *p != '/')
          p++;
        colon = memchr (s, ':', p - s);
        if (colon != NULL)
          s = colon + 1;
        return g_strndup (s, p - s);
      }
    }
}

static gboolean
has_line_key (const char *text,
              const char *key)
{
  gsize klen = strlen (key);

  for (const char *p = text; p != NULL && *p != '\0'; )
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (g_ascii_strncasecmp (p, key, klen) == 0)
        {
          const char *q = p + klen;

          while (*q == ' ' || *q == '\t')
            q++;
          if (*q == '=')
            return TRUE;
        }
      p = strchr (p, '\n');
      if (p != NULL)
        p++;
    }
  return FALSE;
}

HgImportFormat
hg_import_detect_format (const char  *path,
                         GError     **error)
{
  char head[4096 + 1];
  g_autofree char *elem = NULL;
  gssize n = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                   _("%s: cannot open: %s"), path, g_strerror (saved));
      return HG_IMPORT_FORMAT_AUTO;
    }
  do
    n = read (fd, head, sizeof head - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n < 0)
    n = 0;
  head[n] = '\0';

  /* a tar file: "ustar" at 257 */
  if (n >= 512 && memcmp (head + 257, "ustar", 5) == 0)
    return HG_IMPORT_FORMAT_OVA;
  if (memchr (head, '\0', n) == NULL)
    {
      elem = first_element (head);
      if (elem != NULL && strcmp (elem, "domain") == 0)
        return HG_IMPORT_FORMAT_LIBVIRT;
      if (elem != NULL && strcmp (elem, "Envelope") == 0)
        return HG_IMPORT_FORMAT_OVF;
      if (elem == NULL)
        {
          if (has_line_key (head, "config.version") || has_line_key (head, "virtualHW.version") ||
              has_line_key (head, ".encoding") || has_line_key (head, "displayName") ||
              has_line_key (head, "memsize") || has_line_key (head, "numvcpus"))
            return HG_IMPORT_FORMAT_VMX;
          if (has_line_key (head, "guest_os") || has_line_key (head, "disk_img"))
            return HG_IMPORT_FORMAT_QUICKEMU;
        }
    }
  if (g_str_has_suffix (path, ".ctys"))
    return HG_IMPORT_FORMAT_CTYS;
  if (g_str_has_suffix (path, ".vmx"))
    return HG_IMPORT_FORMAT_VMX;
  if (g_str_has_suffix (path, ".ova"))
    return HG_IMPORT_FORMAT_OVA;
  if (g_str_has_suffix (path, ".ovf"))
    return HG_IMPORT_FORMAT_OVF;
  if (elem != NULL && elem[0] != '!')
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
                   _("%s: XML whose root element is <%s>, neither a libvirt <domain> nor an "
                     "OVF <Envelope>; give the format with --format"), path, elem);
      return HG_IMPORT_FORMAT_AUTO;
    }
  if (g_str_has_suffix (path, ".xml"))
    return HG_IMPORT_FORMAT_LIBVIRT;
  if (g_str_has_suffix (path, ".conf"))
    return HG_IMPORT_FORMAT_QUICKEMU;
  g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
               _("%s: cannot tell the format (libvirt XML, quickemu .conf, OVF, OVA, VMware "
                 ".vmx, ctys); give it with --format"), path);
  return HG_IMPORT_FORMAT_AUTO;
}

/* ------------------------------------------------------------------------
 * Paths, disks, names
 * ------------------------------------------------------------------------ */

static gboolean
has_dotdot (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "..") == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_inside (const char *path,
           const char *dir)
{
  gsize n = strlen (dir);

  return strncmp (path, dir, n) == 0 && (path[n] == '/' || (n > 0 && dir[n - 1] == '/'));
}

char *
_hg_import_resolve (HgImport   *self,
                    guint       line,
                    const char *what,
                    const char *path,
                    gboolean    absolute_ok,
                    GError    **error)
{
  g_autofree char *abs = NULL;
  g_autofree char *real = NULL;
  g_autofree char *real_dir = NULL;

  if (path == NULL || path[0] == '\0')
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: %s: empty path"), self->display, line, what);
      return NULL;
    }
  if (has_dotdot (path))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                   _("%s:%u: %s “%s”: refused: a path with “..” may leave the import folder %s"),
                   self->display, line, what, path, self->dir);
      return NULL;
    }
  if (g_path_is_absolute (path) && !absolute_ok)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                   _("%s:%u: %s “%s”: refused: outside the import folder %s (copy the image "
                     "beside the file)"),
                   self->display, line, what, path, self->dir);
      return NULL;
    }
  abs = g_canonicalize_filename (path, self->dir);
  if (absolute_ok && g_path_is_absolute (path))
    return g_steal_pointer (&abs);

  /* a link inside the folder may still point out of it */
  real = realpath (abs, NULL);
  real_dir = realpath (self->dir, NULL);
  if (real != NULL && real_dir != NULL && !is_inside (real, real_dir))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSAFE,
                   _("%s:%u: %s “%s”: refused: it leads to %s, outside the import folder %s"),
                   self->display, line, what, path, real, self->dir);
      return NULL;
    }
  return g_steal_pointer (&abs);
}

HgImportDisk *
_hg_import_add_disk (HgImport   *self,
                     const char *abs_path,
                     const char *format,
                     const char *interface)
{
  HgImportDisk *disk = g_new0 (HgImportDisk, 1);

  disk->source = g_strdup (abs_path);
  disk->format = g_strdup (format);
  disk->name = g_path_get_basename (abs_path);
  g_ptr_array_add (self->config->disks, hg_disk_new (abs_path, format, interface));
  g_ptr_array_add (self->disks, disk);
  return disk;
}

char *
_hg_import_label_from (const char *name,
                       const char *path)
{
  g_autofree char *base = NULL;
  GString *s;

  if (name == NULL || name[0] == '\0')
    {
      char *dot;

      base = g_path_get_basename (path);
      dot = strrchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
      name = base;
    }
  s = g_string_new (NULL);
  for (const char *p = name; *p != '\0' && s->len < 64; p++)
    g_string_append_c (s, g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-' ? *p : '-');
  /* no leading dot or dash */
  while (s->len > 0 && (s->str[0] == '.' || s->str[0] == '-'))
    g_string_erase (s, 0, 1);
  if (s->len == 0)
    g_string_append (s, "imported");
  return g_string_free (s, FALSE);
}

char *
_hg_import_osinfo_id (const char *id)
{
  g_autoptr(HgOsInfo) info = NULL;
  g_autofree char *stripped = NULL;

  if (id == NULL || id[0] == '\0')
    return NULL;
  info = hg_osinfo_lookup (id);
  if (info == NULL && (g_str_has_suffix (id, "-64") || g_str_has_suffix (id, "_64")))
    {
      stripped = g_strndup (id, strlen (id) - 3);
      info = hg_osinfo_lookup (stripped);
    }
  return info != NULL ? g_strdup (info->id) : NULL;
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

void
hg_import_free (HgImport *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->display);
  g_free (self->dir);
  g_free (self->switch_name);
  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_ptr_array_unref (self->disks);
  g_ptr_array_unref (self->notes);
  g_free (self);
}

HgImport *
hg_import_open (const char      *path,
                HgImportFormat   format,
                const char      *switch_name,
                GError         **error)
{
  g_autoptr(HgImport) self = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (HgImport, 1);
  self->path = g_canonicalize_filename (path, NULL);
  self->display = g_strdup (path);
  self->dir = g_path_get_dirname (self->path);
  self->switch_name = g_strdup (switch_name);
  self->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_import_disk_free);
  self->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_ctys_note_free);

  if (format == HG_IMPORT_FORMAT_AUTO)
    {
      format = hg_import_detect_format (self->path, error);
      if (format == HG_IMPORT_FORMAT_AUTO)
        return NULL;
    }
  self->format = format;
  if (format == HG_IMPORT_FORMAT_CTYS)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
                   _("%s: a ctys file, imported by the ctys importer"), self->display);
      return NULL;
    }

  self->config = hg_vm_config_new (NULL);
  /* the console a manager gave its VMs (SPICE, VNC, a window) is Hangar's */
  self->config->console = HG_CONSOLE_VNC;

  if (format != HG_IMPORT_FORMAT_OVA && format != HG_IMPORT_FORMAT_OVF)
    {
      data = _hg_import_read_text (self->path, &len, error);
      if (data == NULL)
        return NULL;
    }
  switch (format)
    {
    case HG_IMPORT_FORMAT_LIBVIRT:
      ok = _hg_import_libvirt (self, data, len, error);
      break;
    case HG_IMPORT_FORMAT_QUICKEMU:
      ok = _hg_import_quickemu (self, data, len, error);
      break;
    case HG_IMPORT_FORMAT_VMX:
      ok = _hg_import_vmx (self, data, len, error);
      break;
    case HG_IMPORT_FORMAT_OVF:
    case HG_IMPORT_FORMAT_OVA:
      ok = _hg_import_ovf (self, error);
      break;
    case HG_IMPORT_FORMAT_AUTO:
    case HG_IMPORT_FORMAT_CTYS:
    default:
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT,
                   _("%s: %s files are not imported yet"), self->display,
                   hg_import_format_to_string (format));
      return NULL;
    }
  if (!ok)
    return NULL;

  if (self->config->label == NULL || !hg_label_is_valid (self->config->label, NULL))
    {
      g_autofree char *label = _hg_import_label_from (self->config->label, self->path);

      if (self->config->label != NULL)
        _hg_import_took (self, 0, NULL, self->config->label,
                         _("the name is not a valid Hangar label; the VM is named “%s”"),
                         label);
      g_free (self->config->label);
      self->config->label = g_steal_pointer (&label);
    }
  return g_steal_pointer (&self);
}

HgImportFormat
hg_import_get_format (HgImport *self)
{
  return self->format;
}

HgVmConfig *
hg_import_get_config (HgImport *self)
{
  return self->config;
}

const char *
hg_import_get_label (HgImport *self)
{
  return self->config->label;
}

gboolean
hg_import_set_label (HgImport    *self,
                     const char  *label,
                     GError     **error)
{
  if (!hg_label_is_valid (label, error))
    return FALSE;
  g_free (self->config->label);
  self->config->label = g_strdup (label);
  return TRUE;
}

void
hg_import_renew_uuid (HgImport   *self,
                      const char *taken_by)
{
  g_autofree char *old = g_steal_pointer (&self->config->uuid);

  self->config->uuid = g_uuid_string_random ();
  _hg_import_took (self, 0, "uuid", old, _("already the UUID of %s; the VM gets a new one"),
                   taken_by);
}

GPtrArray *
hg_import_get_notes (HgImport *self)
{
  return self->notes;
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

typedef struct {
  HgImport            *self;
  HgImportDisks        mode;
  GPtrArray           *actions;  /* per disk: the HgImportDisks done to it */
  GPtrArray           *names;    /* per disk: file name in the VM folder, or NULL */
  const char          *vm_dir;
  HgDiskImageProgress  progress;
  gpointer             progress_data;
  GCancellable        *cancellable;
} WriteJob;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* runs a copy or a conversion to its end in a main context of its own */
static gboolean
run_disk_op (WriteJob    *job,
             gboolean     convert,
             const char  *src,
             const char  *src_format,
             const char  *dest,
             GError     **error)
{
  g_autoptr(GMainContext) ctx = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_main_context_push_thread_default (ctx);
  if (convert)
    hg_disk_image_convert_async (src, src_format, dest, job->progress, job->progress_data,
                                 job->cancellable, store_result, &result);
  else
    hg_disk_image_copy_async (src, dest, job->progress, job->progress_data,
                              job->cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (ctx, TRUE);
  ok = convert ? hg_disk_image_convert_finish (result, error)
               : hg_disk_image_copy_finish (result, error);
  g_main_context_pop_thread_default (ctx);
  return ok;
}

/* checks an image (its backing chain in the import folder or its own) */
static gboolean
check_image (HgImport     *self,
             guint         index,
             const char   *path,
             const char   *format,
             const char   *folder,
             gboolean      single,
             GCancellable *cancellable,
             GError      **error)
{
  const char *folders[] = { folder, NULL };
  g_autofree char *where = g_strdup_printf (_("the import folder %s"), folder);
  g_autoptr(HgDiskImageInfo) info = NULL;
  GError *local = NULL;

  info = hg_disk_image_check (path, format, folders, NULL, where, cancellable, &local);
  if (info == NULL)
    {
      g_propagate_prefixed_error (error, local, _("%s: hard disk %u: "), self->display, index);
      return FALSE;
    }
  if (single && info->layers->len > 1)
    {
      HgDiskImageLayer *layer = g_ptr_array_index (info->layers, 1);

      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSUPPORTED,
                   _("%s: hard disk %u: %s has the backing file %s, which a copy would lose; "
                     "import it with --disks convert or link"),
                   self->display, index, path, layer->filename);
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_vmdk_magic (const char *path)
{
  char magic[4] = { 0 };
  gssize n = -1;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      n = read (fd, magic, sizeof magic);
      close (fd);
    }
  if (n != 4 || memcmp (magic, "KDMV", 4) != 0)
    return FALSE;
  return TRUE;
}

static gboolean
populate (const char  *tmp_dir,
          gpointer     data,
          GError     **error)
{
  WriteJob *job = data;
  HgImport *self = job->self;

  for (guint i = 0; i < self->disks->len; i++)
    {
      HgImportDisk *disk = g_ptr_array_index (self->disks, i);
      HgImportDisks action = GPOINTER_TO_UINT (g_ptr_array_index (job->actions, i));
      const char *name = g_ptr_array_index (job->names, i);
      g_autofree char *dest = name ? g_build_filename (tmp_dir, name, NULL) : NULL;

      if (action == HG_IMPORT_DISKS_LINK)
        continue;
      if (disk->in_tar)
        {
          g_autofree char *part_name = g_strdup_printf (".%s.part", name);
          g_autofree char *part = g_build_filename (tmp_dir, part_name, NULL);
          gboolean ok;

          if (self->extract == NULL || !self->extract (self, disk, part, job->cancellable, error))
            {
              g_unlink (part);
              return FALSE;
            }
          if (!has_vmdk_magic (part))
            {
              g_unlink (part);
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSUPPORTED,
                           _("%s: hard disk %u (%s): not a VMDK image; refused"),
                           self->display, i, disk->name);
              return FALSE;
            }
          ok = check_image (self, i, part, "vmdk", tmp_dir, TRUE, job->cancellable, error) &&
               run_disk_op (job, TRUE, part, "vmdk", dest, error);
          g_unlink (part);
          if (!ok)
            return FALSE;
          continue;
        }
      if (!g_file_test (disk->source, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                       _("%s: hard disk %u: %s does not exist; nothing to %s"),
                       self->display, i, disk->source,
                       action == HG_IMPORT_DISKS_COPY ? _("copy") : _("convert"));
          return FALSE;
        }
      if (disk->checksum != NULL && self->verify != NULL &&
          !self->verify (self, disk, NULL, job->cancellable, error))
        return FALSE;
      if (disk->must_convert && !has_vmdk_magic (disk->source))
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_UNSUPPORTED,
                       _("%s: hard disk %u (%s): not a VMDK image; refused"),
                       self->display, i, disk->source);
          return FALSE;
        }
      if (!check_image (self, i, disk->source, disk->format, self->dir,
                        action == HG_IMPORT_DISKS_COPY, job->cancellable, error))
        return FALSE;
      if (!run_disk_op (job, action == HG_IMPORT_DISKS_CONVERT, disk->source, disk->format,
                        dest, error))
        return FALSE;
    }
  return TRUE;
}

/* a file name for the disk in the VM folder, not taken yet */
static char *
unique_name (GHashTable *used,
             const char *name,
             gboolean    qcow2)
{
  g_autofree char *stem = g_strdup (name);
  char *dot = strrchr (stem, '.');
  char *result = NULL;

  if (qcow2 && dot != NULL && dot != stem)
    *dot = '\0';
  for (guint n = 0; result == NULL; n++)
    {
      g_autofree char *try = NULL;

      if (n == 0)
        try = qcow2 ? g_strconcat (stem, ".qcow2", NULL) : g_strdup (stem);
      else
        try = qcow2 ? g_strdup_printf ("%s-%u.qcow2", stem, n) : g_strdup_printf ("%u-%s", n, stem);
      if (!g_hash_table_contains (used, try))
        result = g_steal_pointer (&try);
    }
  g_hash_table_add (used, g_strdup (result));
  return result;
}

gboolean
hg_import_write (HgImport            *self,
                 const char          *base_dir,
                 HgImportDisks        mode,
                 HgDiskImageProgress  progress,
                 gpointer             progress_data,
                 GCancellable        *cancellable,
                 char               **out_config_path,
                 GError             **error)
{
  g_autoptr(HgVmConfig) cfg = NULL;
  g_autoptr(GPtrArray) actions = g_ptr_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local = NULL;
  g_autofree char *base = NULL;
  g_autofree char *vm_dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *target = NULL;
  g_autofree char *data = NULL;
  g_autofree char *text = NULL;
  WriteJob job = { 0 };
  gsize length = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (base_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  base = g_canonicalize_filename (base_dir, NULL);
  vm_dir = g_build_filename (base, self->config->label, NULL);
  file = g_strconcat (self->config->label, HG_CONFIG_SUFFIX, NULL);
  target = g_build_filename (vm_dir, file, NULL);
  if (g_file_test (vm_dir, G_FILE_TEST_EXISTS) || g_file_test (vm_dir, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_EXISTS,
                   _("%s: already exists; not overwritten (choose another name)"), vm_dir);
      return FALSE;
    }

  /* a copy of the mapped config: the import can be written again */
  text = hg_vm_config_to_data (self->config, &length);
  cfg = hg_vm_config_load_from_data (text, length, NULL, &local);
  if (cfg == NULL)
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                   _("%s: the imported VM is not valid: %s"), self->display, local->message);
      return FALSE;
    }

  for (guint i = 0; i < self->disks->len; i++)
    {
      HgImportDisk *disk = g_ptr_array_index (self->disks, i);
      HgDisk *d = g_ptr_array_index (cfg->disks, i);
      HgImportDisks action = disk->must_convert ? HG_IMPORT_DISKS_CONVERT : mode;
      char *name = NULL;

      if (action == HG_IMPORT_DISKS_LINK)
        {
          /* checked now as a start will check it; one that does not exist
           * (yet) is checked when the VM starts */
          if ((g_file_test (disk->source, G_FILE_TEST_EXISTS) ||
               g_file_test (disk->source, G_FILE_TEST_IS_SYMLINK)) &&
              !check_image (self, i, disk->source, disk->format, self->dir, FALSE,
                            cancellable, error))
            return FALSE;
        }
      else
        {
          name = unique_name (used, disk->name, action == HG_IMPORT_DISKS_CONVERT);
          g_free (d->path);
          d->path = g_strdup (name);
          if (action == HG_IMPORT_DISKS_CONVERT)
            {
              g_free (d->format);
              d->format = g_strdup ("qcow2");
            }
        }
      g_ptr_array_add (actions, GUINT_TO_POINTER (action));
      g_ptr_array_add (names, name);
    }

  hg_vm_config_set_location (cfg, vm_dir);
  if (!hg_vm_config_validate (cfg, &local))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO,
                   _("%s: the imported VM is not valid: %s"), self->display, local->message);
      return FALSE;
    }
  data = hg_vm_config_to_data (cfg, &length);

  job.self = self;
  job.mode = mode;
  job.actions = actions;
  job.names = names;
  job.vm_dir = vm_dir;
  job.progress = progress;
  job.progress_data = progress_data;
  job.cancellable = cancellable;
  if (!_hg_ctys_write_new_dir (vm_dir, file, data, length, populate, &job, error))
    return FALSE;

  if (out_config_path != NULL)
    *out_config_path = g_steal_pointer (&target);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Report
 * ------------------------------------------------------------------------ */

char *
hg_import_format_report (HgImport *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  HgVmConfig *cfg = self->config;
  gboolean skipped = FALSE;

  g_string_append_printf (out, _("%s (%s) → VM “%s”: %s, %u MiB, %u CPU(s), "
                                 "%u disk(s), %u medium/media, %u network card(s)\n"),
                          self->display, hg_import_format_to_string (self->format), cfg->label,
                          cfg->arch, cfg->memory_mib, cfg->cpus,
                          cfg->disks->len, cfg->media->len, cfg->nics->len);
  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_INFO, _("Taken over:"));
  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_UNMAPPED, _("Not taken over:"));
  for (guint i = 0; i < self->notes->len; i++)
    skipped |= ((HgCtysNote *) g_ptr_array_index (self->notes, i))->kind == HG_CTYS_NOTE_UNMAPPED;
  if (!skipped)
    g_string_append (out, _("Everything in the file was taken over.\n"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}
