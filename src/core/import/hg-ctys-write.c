/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-ctys-private.h"
#include "hg-temp.h"
#include "hg-disk-image.h"

/* Writing an imported VM, and the report of an import. */

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = (value != NULL && value[0] != '\0') ? g_strdup (value) : NULL;
}

static void
relativize (char       **path,
            const char  *dir)
{
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);

  if (*path != NULL && g_str_has_prefix (*path, prefix) && (*path)[strlen (prefix)] != '\0')
    {
      char *rel = g_strdup (*path + strlen (prefix));

      g_free (*path);
      *path = rel;
    }
}

static gboolean
dir_has_config (const char  *dir,
                char       **found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, HG_CONFIG_SUFFIX) && name[0] != '.')
      {
        *found = g_build_filename (dir, name, NULL);
        return TRUE;
      }
  return FALSE;
}

static void
fsync_dir (const char *dir)
{
  int dfd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
}

/* shown: the path named in messages (the final one, when target is in a
 * temporary directory) */
static gboolean
write_new_file (const char  *target,
                const char  *shown,
                const char  *data,
                gsize        length,
                GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  gsize done = 0;
  int fd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *shown_dir = g_path_get_dirname (shown);

      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: cannot create a temporary file: %s"), shown_dir, g_strerror (saved));
      return FALSE;
    }
  while (done < length)
    {
      gssize n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      done += n;
    }
  if (done < length || fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      g_unlink (tmp);
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: cannot write: %s"), shown, g_strerror (saved));
      return FALSE;
    }
  close (fd);

  /* link() fails if the target exists: no existing VM is ever replaced,
   * not even one created between our check and now. */
  if (link (tmp, target) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      if (saved == EEXIST)
        g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS,
                     _("%s: already exists; not overwritten"), shown);
      else
        g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                     _("%s: cannot create: %s"), shown, g_strerror (saved));
      return FALSE;
    }
  g_unlink (tmp);
  fsync_dir (dir);
  return TRUE;
}

/* A new VM directory is built as <parent>/.<label>.tmp-XXXXXX (the name the
 * creation uses, which the library scan clears) and renamed into place, never
 * over an existing one: a failure or a kill leaves no visible directory and
 * nothing under the label. */
static void
empty_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
}

gboolean
_hg_ctys_write_new_dir (const char    *vm_dir,
                        const char    *file,
                        const char    *data,
                        gsize          length,
                        HgCtysPopulate populate,
                        gpointer       populate_data,
                        GError       **error)
{
  g_autofree char *parent = g_path_get_dirname (vm_dir);
  g_autofree char *label = g_path_get_basename (vm_dir);
  g_autofree char *tmp = NULL;
  g_autofree char *tmp_file = NULL;
  g_autofree char *target = g_build_filename (vm_dir, file, NULL);
  gboolean ok = FALSE;
  int lock = -1;
  int saved;

  /* locked while it is built, so that a scan meanwhile leaves it alone */
  if (g_mkdir_with_parents (parent, 0755) != 0 ||
      (lock = hg_temp_dir_new_locked (parent, label, 0700, &tmp)) < 0)
    {
      saved = errno;
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: cannot create the directory: %s"), vm_dir, g_strerror (saved));
      return FALSE;
    }
  tmp_file = g_build_filename (tmp, file, NULL);
  if ((populate != NULL && !populate (tmp, populate_data, error)) ||
      !write_new_file (tmp_file, target, data, length, error))
    {
      empty_dir (tmp);
      g_rmdir (tmp);
      goto out;
    }
  fsync_dir (tmp);
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, vm_dir, RENAME_NOREPLACE) != 0)
    {
      saved = errno;
      empty_dir (tmp);
      g_rmdir (tmp);
      if (saved == EEXIST)
        g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS,
                     _("%s: already exists; not overwritten"), vm_dir);
      else
        g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                     _("%s: cannot create the directory: %s"), vm_dir, g_strerror (saved));
      goto out;
    }
  fsync_dir (parent);
  ok = TRUE;
out:
  close (lock);
  return ok;
}

/* The hard-disk images the file names are checked as a start checks them
 * (their format as mapped, never probed again; backing files, extents and
 * data files inside the VM's folder or the image's own): a hostile .ctys,
 * or the image beside it, cannot hand a host file to the guest.  An image
 * that does not exist yet is checked when the VM starts. */
static gboolean
check_disks (HgCtysImport  *self,
             HgVmConfig    *cfg,
             const char    *vm_dir,
             GError       **error)
{
  for (guint i = 0; i < cfg->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (cfg->disks, i);
      g_autofree char *abs = hg_vm_config_resolve_path (cfg, disk->path);
      g_autoptr(HgDiskImageInfo) info = NULL;
      g_autofree char *where = NULL;
      const char *allowed[] = { vm_dir, cfg->dir, NULL };
      GError *local = NULL;

      if (abs == NULL || (!g_file_test (abs, G_FILE_TEST_EXISTS) &&
                          !g_file_test (abs, G_FILE_TEST_IS_SYMLINK)))
        continue;
      where = g_strdup_printf (_("the VM's folder %s"), vm_dir);
      if (cfg->dir == NULL)
        allowed[1] = NULL;
      info = hg_disk_image_check (abs, disk->format, allowed, NULL, where, NULL, &local);
      if (info == NULL)
        {
          g_propagate_prefixed_error (error, local, _("%s: hard disk %u: "), self->display, i);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
hg_ctys_import_write (HgCtysImport  *self,
                      const char    *target_base_dir,
                      char         **out_config_path,
                      GError       **error)
{
  g_autoptr(HgVmConfig) cfg = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *vm_dir = NULL;
  g_autofree char *target = NULL;
  g_autofree char *existing = NULL;
  g_autofree char *file = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cfg = hg_ctys_import_to_config (self, error);
  if (cfg == NULL)
    return FALSE;

  if (target_base_dir != NULL)
    {
      g_autofree char *base = g_canonicalize_filename (target_base_dir, NULL);

      vm_dir = g_build_filename (base, self->label, NULL);
    }
  else if (self->dir != NULL)
    {
      g_autofree char *dir_name = g_path_get_basename (self->dir);

      /* ctys convention: the directory is named like the label */
      vm_dir = strcmp (dir_name, self->label) == 0
               ? g_strdup (self->dir)
               : g_build_filename (self->dir, self->label, NULL);
    }
  else
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: no file to write the VM beside; give a base directory"),
                   self->display);
      return FALSE;
    }

  file = g_strconcat (self->label, HG_CONFIG_SUFFIX, NULL);
  target = g_build_filename (vm_dir, file, NULL);

  if (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (target, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS,
                   _("%s: a VM config already exists; not overwritten"), target);
      return FALSE;
    }
  if (dir_has_config (vm_dir, &existing))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS,
                   _("%s: the directory already holds the VM config %s"), vm_dir, existing);
      return FALSE;
    }

  if (!check_disks (self, cfg, vm_dir, error))
    return FALSE;

  /* Paths inside the VM directory are stored relative to it, so that the
   * directory can be moved, as ctys VMs could. */
  for (guint i = 0; i < cfg->disks->len; i++)
    relativize (&((HgDisk *) g_ptr_array_index (cfg->disks, i))->path, vm_dir);
  for (guint i = 0; i < cfg->media->len; i++)
    relativize (&((HgMedium *) g_ptr_array_index (cfg->media, i))->path, vm_dir);
  relativize (&cfg->kernel, vm_dir);
  relativize (&cfg->initrd, vm_dir);
  set_str (&cfg->dir, vm_dir);
  set_str (&cfg->path, target);

  if (!hg_vm_config_validate (cfg, &local))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO,
                   _("%s: the imported VM is not valid: %s"), self->display, local->message);
      return FALSE;
    }

  data = hg_vm_config_to_data (cfg, &length);
  if (length > HG_CONFIG_MAX_FILE_SIZE)
    {
      /* a config Hangar could not load again is not written: named by
       * the longest value that went into it (the first of equals) */
      HgCtysVar *longest = NULL;

      for (guint i = 0; i < self->order->len; i++)
        {
          HgCtysVar *var = g_ptr_array_index (self->order, i);

          if (longest == NULL || strlen (var->value) > strlen (longest->value))
            longest = var;
        }
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE,
                   _("%s:%u: the VM config would be larger than %d bytes, more than Hangar "
                     "loads (%s alone is %u bytes); not imported"),
                   self->display, longest != NULL ? longest->line : 0, HG_CONFIG_MAX_FILE_SIZE,
                   longest != NULL ? longest->name : "?",
                   longest != NULL ? (guint) strlen (longest->value) : 0);
      return FALSE;
    }
  if (g_file_test (vm_dir, G_FILE_TEST_EXISTS) || g_file_test (vm_dir, G_FILE_TEST_IS_SYMLINK))
    {
      /* beside the .ctys file, in its own folder: only the config is new */
      if (!write_new_file (target, target, data, length, error))
        return FALSE;
    }
  else if (!_hg_ctys_write_new_dir (vm_dir, file, data, length, NULL, NULL, error))
    return FALSE;

  if (out_config_path != NULL)
    *out_config_path = g_steal_pointer (&target);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Report
 * ------------------------------------------------------------------------ */

void
_hg_ctys_append_notes (GString       *out,
                       GPtrArray     *notes,
                       HgCtysNoteKind kind,
                       const char    *title)
{
  gboolean any = FALSE;

  for (guint i = 0; i < notes->len; i++)
    {
      HgCtysNote *note = g_ptr_array_index (notes, i);

      if (note->kind != kind)
        continue;
      if (!any)
        g_string_append_printf (out, "\n%s\n", title);
      any = TRUE;

      g_string_append (out, "  ");
      if (note->line > 0)
        g_string_append_printf (out, _("line %u: "), note->line);
      if (kind == HG_CTYS_NOTE_IGNORED_LINE)
        g_string_append_printf (out, "%s — %s\n", note->text, note->message);
      else if (kind == HG_CTYS_NOTE_UNEVALUATED && note->key != NULL)
        g_string_append_printf (out, "%s: %s — %s\n", note->key, note->text, note->message);
      else if (note->key != NULL && note->text != NULL)
        {
          /* show the value as it could be written back */
          gboolean quote = note->text[0] == '\0' || strpbrk (note->text, " \t'") != NULL;

          g_string_append_printf (out, quote ? "%s=\"%s\" — %s\n" : "%s=%s — %s\n",
                                  note->key, note->text, note->message);
        }
      else if (note->key != NULL)
        g_string_append_printf (out, "%s — %s\n", note->key, note->message);
      else if (note->text != NULL)
        g_string_append_printf (out, "%s — %s\n", note->text, note->message);
      else
        g_string_append_printf (out, "%s\n", note->message);
    }
}

char *
hg_ctys_import_format_report (HgCtysImport *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  HgVmConfig *cfg;

  g_return_val_if_fail (self != NULL, NULL);

  _hg_ctys_import_ensure_mapped (self);
  cfg = self->config;

  if (self->map_error != NULL)
    g_string_append_printf (out, _("%s: cannot be imported: %s\n"),
                            self->display, self->map_error->message);
  else
    g_string_append_printf (out, _("%s → VM “%s”: %s, %s, %u MiB, boot %s, "
                                   "%u disk(s), %u medium/media, %u network card(s)\n"),
                            self->display, self->label, cfg->arch,
                            hg_accel_to_string (cfg->accel), cfg->memory_mib,
                            hg_boot_mode_to_string (cfg->boot_mode),
                            cfg->disks->len, cfg->media->len, cfg->nics->len);

  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_UNMAPPED,
                _("Not taken over (kept in the [ctys] group of the new config):"));
  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_UNEVALUATED,
                _("Not evaluated (kept literally; nothing in the file is ever run):"));
  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_IGNORED_LINE,
                _("Ignored lines (not plain assignments):"));
  _hg_ctys_append_notes (out, self->notes, HG_CTYS_NOTE_INFO, _("Notes:"));

  if (self->unmapped->len == 0 && self->unevaluated->len == 0 && self->ignored->len == 0)
    g_string_append (out, _("Every variable in the file was taken over.\n"));

  return g_string_free (g_steal_pointer (&out), FALSE);
}
