/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-private.h"

/* ------------------------------------------------------------------------
 * Parsing entry points
 * ------------------------------------------------------------------------ */

static HgCtysImport *
import_new (const char *path_for_messages)
{
  HgCtysImport *self = g_new0 (HgCtysImport, 1);

  if (path_for_messages != NULL)
    {
      self->path = g_canonicalize_filename (path_for_messages, NULL);
      self->dir = g_path_get_dirname (self->path);
      self->display = g_strdup (path_for_messages);
    }
  else
    self->display = g_strdup ("<data>");

  self->vars = g_hash_table_new (g_str_hash, g_str_equal);
  self->order = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_ctys_var_free);
  self->meta = g_hash_table_new (g_str_hash, g_str_equal);
  self->meta_order = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_ctys_var_free);
  self->parse_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_ctys_note_free);
  self->map_notes = g_ptr_array_new_with_free_func ((GDestroyNotify) _hg_ctys_note_free);
  self->notes = g_ptr_array_new ();
  self->unmapped = g_ptr_array_new ();
  self->ignored = g_ptr_array_new ();
  self->unevaluated = g_ptr_array_new ();
  return self;
}

void
hg_ctys_import_free (HgCtysImport *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->display);
  g_free (self->dir);
  g_hash_table_unref (self->vars);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->meta);
  g_ptr_array_unref (self->meta_order);
  g_ptr_array_unref (self->notes);
  g_ptr_array_unref (self->unmapped);
  g_ptr_array_unref (self->ignored);
  g_ptr_array_unref (self->unevaluated);
  g_ptr_array_unref (self->parse_notes);
  g_ptr_array_unref (self->map_notes);
  g_free (self->label_override);
  g_free (self->label);
  g_free (self->uuid_taken_by);
  g_free (self->uuid_renewed);
  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_clear_error (&self->map_error);
  g_free (self);
}

HgCtysImport *
hg_ctys_parse_data (const char  *data,
                    gssize       length,
                    const char  *path_for_messages,
                    GError     **error)
{
  g_autoptr(HgCtysImport) self = NULL;
  g_autoptr(GArray) line_starts = NULL;
  const char *bad;
  HgCtysParser ps = { 0 };
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  self = import_new (path_for_messages);

  if (len > HG_CTYS_MAX_SIZE)
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
                   _("%s: file is larger than %d bytes; not a ctys configuration"),
                   self->display, HG_CTYS_MAX_SIZE);
      return NULL;
    }

  line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  {
    gsize zero = 0;

    g_array_append_val (line_starts, zero);
    for (gsize i = 0; i < len; i++)
      {
        if (data[i] == '\0')
          {
            g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_ENCODING,
                         _("%s:%u: NUL byte; not a text file"),
                         self->display, line_starts->len);
            return NULL;
          }
        if (data[i] == '\n' && i + 1 < len)
          {
            gsize next = i + 1;

            g_array_append_val (line_starts, next);
            if (line_starts->len > HG_CTYS_MAX_LINES)
              {
                g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
                             _("%s: more than %d lines; not a ctys configuration"),
                             self->display, HG_CTYS_MAX_LINES);
                return NULL;
              }
          }
      }
  }

  ps.imp = self;
  ps.start = data;
  ps.end = data + len;
  ps.line_starts = line_starts;
  ps.error = error;

  if (!g_utf8_validate (data, len, &bad))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_ENCODING,
                   _("%s:%u: invalid UTF-8 byte 0x%02x"),
                   self->display, _hg_ctys_line_at (&ps, bad), (guchar) *bad);
      return NULL;
    }

  if (!_hg_ctys_parse_all (&ps))
    return NULL;

  return g_steal_pointer (&self);
}

char *
_hg_ctys_read_at_most (const char *path,
                       gsize       max,
                       gsize      *out_len,
                       GError    **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: cannot open: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: not a regular file"), path);
      return NULL;
    }

  /* Read at most one byte more than allowed: never slurp a huge file. */
  buf = g_malloc (max + 2);
  while (len < max + 1)
    {
      gssize n = read (fd, buf + len, max + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                       _("%s: cannot read: %s"), path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }
  close (fd);
  buf[len] = '\0';
  *out_len = len;
  return g_steal_pointer (&buf);
}

HgCtysImport *
hg_ctys_parse_file (const char  *path,
                    GError     **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  buf = _hg_ctys_read_at_most (path, HG_CTYS_MAX_SIZE, &len, error);
  if (buf == NULL)
    return NULL;
  return hg_ctys_parse_data (buf, len, path, error);
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------ */

const char *
hg_ctys_import_get_path (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
hg_ctys_import_get_value (HgCtysImport *self,
                          const char   *name)
{
  HgCtysVar *var;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  var = g_hash_table_lookup (self->vars, name);
  return var ? var->value : NULL;
}

guint
hg_ctys_import_get_line (HgCtysImport *self,
                         const char   *name)
{
  HgCtysVar *var;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  var = g_hash_table_lookup (self->vars, name);
  return var ? var->line : 0;
}
