/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-disks"
#include "config.h"

#define _GNU_SOURCE 1   /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-vm-disks-private.h"

/* Convert and compact (hg-vm-disks.h): measured, converted with progress,
 * checked and compared, then put in the old image's place. */

/* ---- convert / compact ------------------------------------------------------- */

typedef struct {
  HgVmConfig *config;
  guint       index;
  char       *name;
  char       *src;        /* the old image, absolute */
  char       *src_format;
  char       *format;     /* the new format */
  gboolean    compress;
  char       *tmp;        /* where qemu-img writes */
  char       *final;      /* the new image's name: src for the same format */
  guint64     need;       /* qemu-img measure's "required" */
  HgDiskImageProgress progress;
  gpointer    progress_data;
} Convert;

static void
convert_free (Convert *c)
{
  g_clear_pointer (&c->config, hg_vm_config_unref);
  g_free (c->name);
  g_free (c->src);
  g_free (c->src_format);
  g_free (c->format);
  g_free (c->tmp);
  g_free (c->final);
  g_free (c);
}

static GError *
no_space_error (Convert *c)
{
  g_autofree char *need = hg_size_format (c->need);
  guint64 free_space = hg_fs_free_space (c->src);
  g_autofree char *free_text = hg_size_format (free_space);

  return g_error_new (HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_NO_SPACE,
                      _("%s: the new image needs %s in %s, but only %s are free; the disk "
                        "is unchanged"), c->name, need, c->config->dir, free_text);
}

/* thread: the old image checked, no internal snapshots, enough space */
static void
convert_prepare_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  Convert *c = task_data;
  g_autoptr(HgDiskImageInfo) chain = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonObject) measure = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  chain = _hg_vm_disks_check (c->config, c->index, NULL, cancellable, &error);
  if (chain == NULL)
    goto fail;
  {
    const char *args[] = { "info", "--output=json", "-f", c->src_format, c->src, NULL };

    if (!_hg_vm_disks_qemu_img_ok (args, "qemu-img info", cancellable, &text, &error) ||
        (info = _hg_vm_disks_parse_object (text, "qemu-img info", &error)) == NULL)
      goto fail;
  }
  if (json_object_has_member (info, "snapshots") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (info, "snapshots")) &&
      json_array_get_length (json_object_get_array_member (info, "snapshots")) > 0)
    {
      error = g_error_new (HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_SNAPSHOTS,
                           _("%s (%s) has %u snapshots that the new image would not have: "
                             "delete them first"), c->name, c->src,
                           json_array_get_length (json_object_get_array_member (info, "snapshots")));
      goto fail;
    }
  g_clear_pointer (&text, g_free);
  {
    /* vmdk, vdi and vhdx cannot be measured: what a qcow2 of the same
     * data needs is close (data plus a little metadata) */
    gboolean measurable = g_str_equal (c->format, "qcow2") || g_str_equal (c->format, "raw");
    const char *args[] = { "measure", "--output=json", "-f", c->src_format, "-O",
                           measurable ? c->format : "qcow2", c->src, NULL };

    if (!_hg_vm_disks_qemu_img_ok (args, "qemu-img measure", cancellable, &text, &error) ||
        (measure = _hg_vm_disks_parse_object (text, "qemu-img measure", &error)) == NULL)
      goto fail;
  }
  c->need = (guint64) MAX (json_object_get_int_member_with_default (measure, "required", 0), 0);
  if (c->need > hg_fs_free_space (c->src))
    {
      error = no_space_error (c);
      goto fail;
    }
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_task_return_error (task, error);
}

/* rename that never replaces a file; link + unlink where the filesystem
 * has no RENAME_NOREPLACE */
static gboolean
rename_noreplace (const char *from,
                  const char *to)
{
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return TRUE;
  if (errno != EINVAL && errno != ENOSYS)
    return FALSE;
  if (link (from, to) != 0)
    return FALSE;
  g_unlink (from);
  return TRUE;
}

/* thread: the new image checked and compared with the old one, then put
 * in its place */
static void
convert_verify_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Convert *c = task_data;
  g_autofree char *what = g_strdup_printf ("qemu-img compare %s %s", c->src, c->tmp);
  g_autofree char *text = NULL;
  GError *error = NULL;
  int status, fd;

  if (g_str_equal (c->format, "qcow2"))
    {
      g_autofree char *check_what = g_strdup_printf ("qemu-img check %s", c->tmp);
      const char *args[] = { "check", "-q", "-f", "qcow2", c->tmp, NULL };

      if (!_hg_vm_disks_qemu_img_ok (args, check_what, cancellable, NULL, &error))
        goto fail;
    }
  {
    const char *args[] = { "compare", "-q", "-f", c->src_format, "-F", c->format,
                           c->src, c->tmp, NULL };

    status = _hg_vm_disks_qemu_img_run (args, cancellable, &text, &error);
  }
  if (status < 0)
    goto fail;
  if (status != 0)
    {
      error = g_error_new (HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_VERIFY,
                           status == 1 ? _("%s: the new image differs from the old one; "
                                           "the disk is unchanged")
                                       : _("%s: the new image could not be compared with "
                                           "the old one; the disk is unchanged"), c->name);
      goto fail;
    }
  fd = open (c->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || fsync (fd) != 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      error = g_error_new (HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED, "%s: %s", c->tmp,
                           g_strerror (errsv));
      goto fail;
    }
  close (fd);
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    goto fail;
  /* the same name: rename replaces the old image in one step; a new
   * name: never over another file */
  if (g_str_equal (c->final, c->src) ? rename (c->tmp, c->final) != 0
                                     : !rename_noreplace (c->tmp, c->final))
    {
      int errsv = errno;

      error = g_error_new (HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                           _("cannot rename %s to %s: %s"), c->tmp, c->final,
                           g_strerror (errsv));
      goto fail;
    }
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_unlink (c->tmp);
  g_task_return_error (task, error);
}

static void
convert_verified (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Convert *c = g_task_get_task_data (task);
  HgDisk *disk = _hg_vm_disks_at (c->config, c->index);
  g_autofree char *old_path = NULL;
  g_autofree char *old_format = NULL;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_str_equal (c->final, c->src))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* the config names the new image; the old one stays until it does */
  old_path = g_steal_pointer (&disk->path);
  old_format = g_steal_pointer (&disk->format);
  disk->path = _hg_vm_disks_config_path (c->config, c->final);
  disk->format = g_strdup (c->format);
  if (!hg_vm_config_save (c->config, &error))
    {
      g_free (disk->path);
      g_free (disk->format);
      disk->path = g_steal_pointer (&old_path);
      disk->format = g_steal_pointer (&old_format);
      g_unlink (c->final);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_strdup (c->src), g_free);
}

static void
convert_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GCancellable *cancellable = g_task_get_cancellable (user_data);
  g_autoptr(GTask) task = user_data;
  Convert *c = g_task_get_task_data (task);
  GError *error = NULL;
  GTask *verify;

  if (!hg_disk_image_convert_finish (result, &error))
    {
      /* the partial image is removed by the job */
      if (error->domain == HG_DISK_IMAGE_ERROR && strstr (error->message, "No space left") != NULL)
        {
          g_error_free (error);
          error = no_space_error (c);
        }
      g_task_return_error (task, error);
      return;
    }
  verify = g_task_new (NULL, cancellable, convert_verified,
                       g_steal_pointer (&task));
  g_task_set_task_data (verify, c, NULL);
  g_task_run_in_thread (verify, convert_verify_thread);
  g_object_unref (verify);
}

static void
convert_prepared (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GCancellable *cancellable = g_task_get_cancellable (user_data);
  g_autoptr(GTask) task = user_data;
  Convert *c = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  hg_disk_image_convert_full_async (c->src, c->src_format, c->tmp, c->format, c->compress,
                                    c->progress, c->progress_data, cancellable,
                                    convert_done, g_steal_pointer (&task));
}

void
hg_vm_disk_convert_async (HgVmConfig           *config,
                          const char           *name,
                          const char           *format,
                          gboolean              compress,
                          HgDiskImageProgress   progress,
                          gpointer              progress_data,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Convert *c = g_new0 (Convert, 1);
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  GError *error = NULL;
  GTask *prepare;
  HgDisk *disk;
  gint index;

  g_return_if_fail (config != NULL && name != NULL);

  g_task_set_source_tag (task, hg_vm_disk_convert_async);
  g_task_set_task_data (task, c, (GDestroyNotify) convert_free);
  c->config = hg_vm_config_ref (config);
  c->compress = compress;
  c->progress = progress;
  c->progress_data = progress_data;
  index = hg_vm_disk_find (config, name, &error);
  if (index < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  c->index = (guint) index;
  c->name = g_strdup_printf ("disk%d", index);
  disk = _hg_vm_disks_at (config, c->index);
  c->src = hg_vm_config_resolve_path (config, disk->path);
  c->src_format = g_strdup (disk->format);
  c->format = g_strdup (format != NULL ? format : disk->format);
  if (!_hg_vm_disks_format_ok (c->format, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (compress && !g_str_equal (c->format, "qcow2"))
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("only qcow2 images can be compressed, not %s"), c->format);
      return;
    }
  dir = g_path_get_dirname (c->src);
  base = g_path_get_basename (c->src);
  if (g_str_equal (c->format, c->src_format))
    c->final = g_strdup (c->src);
  else
    {
      char *dot = strrchr (base, '.');
      g_autofree char *file = NULL;

      if (dot != NULL && dot != base)
        *dot = '\0';
      file = g_strdup_printf ("%s.%s", base, _hg_vm_disks_extension (c->format));
      c->final = g_build_filename (dir, file, NULL);
      if (g_file_test (c->final, G_FILE_TEST_EXISTS) || g_file_test (c->final, G_FILE_TEST_IS_SYMLINK))
        {
          g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                                   _("%s exists already: the %s image of %s would replace it"),
                                   c->final, c->format, c->name);
          return;
        }
    }
  {
    g_autofree char *file = g_strdup_printf (".%s.%08x.part", base, g_random_int ());

    c->tmp = g_build_filename (dir, file, NULL);
  }
  prepare = g_task_new (NULL, cancellable, convert_prepared, g_steal_pointer (&task));
  g_task_set_task_data (prepare, c, NULL);
  g_task_run_in_thread (prepare, convert_prepare_thread);
  g_object_unref (prepare);
}

gboolean
hg_vm_disk_convert_finish (GAsyncResult  *result,
                           char         **out_kept,
                           GError       **error)
{
  GError *local = NULL;
  char *kept;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  kept = g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (out_kept != NULL)
    *out_kept = kept;
  else
    g_free (kept);
  return TRUE;
}
