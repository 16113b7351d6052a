/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-disks"
#include "config.h"


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-qmp-client.h"
#include "hg-spawn.h"
#include "hg-vm-disks-private.h"

G_DEFINE_QUARK (hg-vm-disk-error-quark, hg_vm_disk_error)

static const char * const formats[] = { "qcow2", "raw", "vmdk", "vdi", "vhdx", NULL };

const char * const *
hg_vm_disk_formats (void)
{
  return formats;
}

gboolean
_hg_vm_disks_format_ok (const char  *format,
           GError     **error)
{
  if (format != NULL && g_strv_contains (formats, format))
    return TRUE;
  g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
               _("“%s” is not a disk format Hangar makes (qcow2, raw, vmdk, vdi or vhdx)"),
               format != NULL ? format : "");
  return FALSE;
}

void
hg_vm_disk_info_free (HgVmDiskInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->path);
  g_free (info->format);
  g_free (info->interface);
  g_free (info);
}

HgDisk *
_hg_vm_disks_at (HgVmConfig *config,
         guint       index)
{
  return g_ptr_array_index (config->disks, index);
}

gint
hg_vm_disk_find (HgVmConfig  *config,
                 const char  *name,
                 GError     **error)
{
  const char *number = name;
  guint64 index;
  char *end = NULL;

  g_return_val_if_fail (config != NULL && name != NULL, -1);

  if (g_str_has_prefix (number, "disk:"))
    number += 5;
  else if (g_str_has_prefix (number, "disk"))
    number += 4;
  if (g_ascii_isdigit (*number))
    {
      index = g_ascii_strtoull (number, &end, 10);
      if (end != NULL && *end == '\0' && config->disks != NULL && index < config->disks->len)
        return (gint) index;
    }
  if (config->disks == NULL || config->disks->len == 0)
    g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_NOT_FOUND,
                 _("VM “%s” has no disk “%s”: it has no disks"), config->label, name);
  else
    g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_NOT_FOUND,
                 _("VM “%s” has no disk “%s” (its disks are disk0 to disk%u)"), config->label,
                 name, config->disks->len - 1);
  return -1;
}

gboolean
hg_vm_disks_ensure_stopped (HgVm        *vm,
                            const char  *what,
                            GError     **error)
{
  g_return_val_if_fail (HG_IS_VM (vm), FALSE);

  if (!hg_vm_is_active (vm))
    return TRUE;
  g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_RUNNING,
               _("VM “%s” is running: stop it first to %s"), hg_vm_get_label (vm), what);
  return FALSE;
}

/* ---- qemu-img ------------------------------------------------------------ */

static void
kill_on_cancel (GCancellable *cancellable,
                gpointer      proc)
{
  g_subprocess_force_exit (proc);
}

/* Runs qemu-img with args to completion (cancel kills it); its merged
 * output in *out.  Returns its exit status, or -1 with error set. */
int
_hg_vm_disks_qemu_img_run (const char * const  *args,
              GCancellable        *cancellable,
              char               **out,
              GError             **error)
{
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *text = NULL;
  gulong id = 0;
  gboolean ok;

  if (qemu_img == NULL)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NO_TOOL,
                   _("qemu-img is not installed (package qemu-utils)"));
      return -1;
    }
  g_ptr_array_add (argv, qemu_img);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = hg_spawn_work ((const char * const *) argv->pdata,
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                        G_SUBPROCESS_FLAGS_STDIN_PIPE, error);
  if (proc == NULL)
    return -1;
  if (cancellable != NULL)
    id = g_cancellable_connect (cancellable, G_CALLBACK (kill_on_cancel), proc, NULL);
  ok = g_subprocess_communicate_utf8 (proc, NULL, NULL, &text, NULL, error);
  if (id != 0)
    g_cancellable_disconnect (cancellable, id);
  if (!ok)
    return -1;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (out != NULL)
    *out = g_strdup (text != NULL ? g_strstrip (text) : "");
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : 255;
}

/* Runs qemu-img, FALSE (FAILED, naming what and the tool's words) unless
 * it exits 0 */
gboolean
_hg_vm_disks_qemu_img_ok (const char * const  *args,
             const char          *what,
             GCancellable        *cancellable,
             char               **out,
             GError             **error)
{
  g_autofree char *text = NULL;
  int status = _hg_vm_disks_qemu_img_run (args, cancellable, &text, error);

  if (status < 0)
    return FALSE;
  if (status != 0)
    {
      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED, _("%s failed: %s"), what,
                   *text ? text : _("no reason given"));
      return FALSE;
    }
  if (out != NULL)
    *out = g_steal_pointer (&text);
  return TRUE;
}

JsonObject *
_hg_vm_disks_parse_object (const char  *text,
              const char  *what,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                   _("%s printed something that is not a JSON object"), what);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* ---- the checked image of a disk ------------------------------------------ */

/* The disk's image checked as at start: its chain, *out_path absolute */
HgDiskImageInfo *
_hg_vm_disks_check (HgVmConfig    *config,
            guint          index,
            char         **out_path,
            GCancellable  *cancellable,
            GError       **error)
{
  HgDisk *disk = _hg_vm_disks_at (config, index);
  g_autofree char *abs = hg_vm_config_resolve_path (config, disk->path);
  g_autofree char *where = g_strdup_printf (_("the VM's folder %s"), config->dir);
  const char *folders[] = { config->dir, NULL };
  HgDiskImageInfo *info;
  GError *local = NULL;

  info = hg_disk_image_check (abs, disk->format, folders,
                              (const char * const *) disk->allow_backing, where,
                              cancellable, &local);
  if (info == NULL)
    {
      g_propagate_prefixed_error (error, local, "disk%u: ", index);
      return NULL;
    }
  if (out_path != NULL)
    *out_path = g_steal_pointer (&abs);
  return info;
}

GPtrArray *
hg_vm_disks_list (HgVmConfig    *config,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_vm_disk_info_free);

  g_return_val_if_fail (config != NULL, NULL);

  for (guint i = 0; config->disks != NULL && i < config->disks->len; i++)
    {
      HgDisk *disk = _hg_vm_disks_at (config, i);
      g_autoptr(HgDiskImageInfo) chain = NULL;
      HgVmDiskInfo *info = g_new0 (HgVmDiskInfo, 1);
      const HgDiskImageLayer *top;

      g_ptr_array_add (list, info);
      info->name = g_strdup_printf ("disk%u", i);
      info->format = g_strdup (disk->format);
      info->interface = g_strdup (disk->interface);
      chain = _hg_vm_disks_check (config, i, &info->path, cancellable, error);
      if (chain == NULL)
        return NULL;
      top = g_ptr_array_index (chain->layers, 0);
      info->virtual_size = top->virtual_size;
      info->actual_size = top->actual_size;
    }
  return g_steal_pointer (&list);
}

/* ---- add ------------------------------------------------------------------ */

typedef struct {
  HgVmConfig *config;
  char       *image;      /* the existing image (absolute) or NULL */
  gboolean    copy;
  char       *format;
  char       *interface;
  char       *dest;       /* the file the disk will be (absolute) */
  guint64     size;       /* new: bytes */
  gboolean    made;       /* dest was made by us */
  HgDiskImageProgress progress;
  gpointer    progress_data;
} Add;

static void
add_free (Add *add)
{
  g_clear_pointer (&add->config, hg_vm_config_unref);
  g_free (add->image);
  g_free (add->format);
  g_free (add->interface);
  g_free (add->dest);
  g_free (add);
}

const char *
_hg_vm_disks_extension (const char *format)
{
  return g_str_equal (format, "raw") ? "img" : format;
}

/* <dir>/<label>-diskN.<ext>, the first N whose file does not exist */
static char *
new_disk_path (HgVmConfig *config,
               const char *format)
{
  for (guint n = config->disks != NULL ? config->disks->len : 0;; n++)
    {
      g_autofree char *file = g_strdup_printf ("%s-disk%u.%s", config->label, n,
                                               _hg_vm_disks_extension (format));
      char *path = g_build_filename (config->dir, file, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        return path;
      g_free (path);
    }
}

/* The path as the config keeps it: relative inside the VM's folder */
char *
_hg_vm_disks_config_path (HgVmConfig *config,
             const char *abs)
{
  g_autofree char *dir = g_path_get_dirname (abs);

  if (g_strcmp0 (dir, config->dir) == 0)
    return g_path_get_basename (abs);
  return g_strdup (abs);
}

static void
add_commit (GTask *task)
{
  Add *add = g_task_get_task_data (task);
  g_autofree char *path = _hg_vm_disks_config_path (add->config, add->dest);
  GError *error = NULL;
  guint index = add->config->disks->len;

  g_ptr_array_add (add->config->disks, hg_disk_new (path, add->format, add->interface));
  if (!hg_vm_config_save (add->config, &error))
    {
      g_ptr_array_remove_index (add->config->disks, index);
      if (add->made)
        g_unlink (add->dest);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_strdup_printf ("disk%u", index), g_free);
}

static void
add_created (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Add *add = g_task_get_task_data (task);
  GError *error = NULL;

  if (!(add->image != NULL ? hg_disk_image_copy_finish (result, &error)
                           : hg_disk_image_create_finish (result, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  add->made = TRUE;
  add_commit (task);
}

/* A new disk: what its image takes at once (qemu-img measure: metadata,
 * or all of it for a preallocated format), not its size */
static gboolean
add_check_space (Add     *add,
                 GError **error)
{
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, add->size);
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) measure = NULL;
  gboolean measurable = g_str_equal (add->format, "qcow2") || g_str_equal (add->format, "raw");
  /* vmdk, vdi and vhdx cannot be measured: a qcow2's metadata is alike */
  const char *args[] = { "measure", "--output=json", "--size", size, "-O",
                         measurable ? add->format : "qcow2", NULL };
  guint64 need, free_space;

  if (!_hg_vm_disks_qemu_img_ok (args, "qemu-img measure", NULL, &text, error) ||
      (measure = _hg_vm_disks_parse_object (text, "qemu-img measure", error)) == NULL)
    return FALSE;
  need = (guint64) MAX (json_object_get_int_member_with_default (measure, "required", 0), 0);
  free_space = hg_fs_free_space (add->config->dir);
  if (need > free_space)
    {
      g_autofree char *need_text = hg_size_format (need);
      g_autofree char *free_text = hg_size_format (free_space);

      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_NO_SPACE,
                   _("a new disk needs %s in %s, but only %s are free"), need_text,
                   add->config->dir, free_text);
      return FALSE;
    }
  return TRUE;
}

/* thread: a new disk's space; an existing image inspected as at create,
 * its format */
static void
add_inspect_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Add *add = task_data;
  g_autoptr(HgDiskImageInfo) info = NULL;
  const HgDiskImageLayer *top;
  GError *error = NULL;

  if (add->image == NULL)
    {
      if (!add_check_space (add, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    }
  info = hg_disk_image_inspect (add->image, NULL, cancellable, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  top = g_ptr_array_index (info->layers, 0);
  if (add->copy && info->layers->len > 1)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("%s has a backing file (%s): a copy of it alone would not "
                                 "work; add it in place"), add->image, top->backing_filename);
      return;
    }
  g_free (add->format);
  add->format = g_strdup (top->format);
  if (add->copy)
    {
      GStatBuf st;
      guint64 free_space = hg_fs_free_space (add->config->dir);
      /* what the copy takes: the blocks the image really has */
      guint64 need = g_stat (add->image, &st) == 0 ? (guint64) st.st_blocks * 512 : 0;

      if (need > free_space)
        {
          g_autofree char *need_text = hg_size_format (need);
          g_autofree char *free_text = hg_size_format (free_space);

          g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_NO_SPACE,
                                   _("copying %s needs %s in %s, but only %s are free"),
                                   add->image, need_text, add->config->dir, free_text);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
add_inspected (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GCancellable *cancellable = g_task_get_cancellable (user_data);
  g_autoptr(GTask) task = user_data;
  Add *add = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (add->image == NULL)
    {
      hg_disk_image_create_full_async (add->dest, add->format, add->size, cancellable,
                                       add_created, g_steal_pointer (&task));
      return;
    }
  if (!add->copy)
    {
      add->dest = g_strdup (add->image);
      add_commit (task);
      return;
    }
  {
    g_autofree char *base = g_path_get_basename (add->image);

    add->dest = g_build_filename (add->config->dir, base, NULL);
  }
  hg_disk_image_copy_async (add->image, add->dest, add->progress, add->progress_data,
                            cancellable, add_created,
                            g_steal_pointer (&task));
}

void
hg_vm_disk_add_async (HgVmConfig             *config,
                      const HgVmDiskAddSpec  *spec,
                      HgDiskImageProgress     progress,
                      gpointer                progress_data,
                      GCancellable           *cancellable,
                      GAsyncReadyCallback     callback,
                      gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Add *add = g_new0 (Add, 1);
  GError *error = NULL;

  g_return_if_fail (config != NULL && spec != NULL);

  g_task_set_source_tag (task, hg_vm_disk_add_async);
  g_task_set_task_data (task, add, (GDestroyNotify) add_free);
  add->config = hg_vm_config_ref (config);
  add->copy = spec->copy;
  add->interface = g_strdup (spec->interface);
  add->progress = progress;
  add->progress_data = progress_data;
  if (spec->interface != NULL && !g_strv_contains ((const char * const[]) { "virtio", "ide", "scsi", "sd", "none", NULL },
                                                   spec->interface))
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("--bus: “%s” is not a disk bus (virtio, ide, scsi, sd or none)"),
                               spec->interface);
      return;
    }
  if (spec->image != NULL)
    {
      if (spec->size != 0 || spec->format != NULL)
        {
          g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                                   _("an existing image has its own size and format: "
                                     "--size and --format are for a new disk"));
          return;
        }
      g_autoptr(GTask) inspect = NULL;

      add->image = g_canonicalize_filename (spec->image, NULL);
      inspect = g_task_new (NULL, cancellable, add_inspected, g_steal_pointer (&task));
      g_task_set_task_data (inspect, add, NULL);
      g_task_run_in_thread (inspect, add_inspect_thread);
      return;
    }
  if (spec->copy)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("--copy is for an existing image (--image FILE)"));
      return;
    }
  add->format = g_strdup (spec->format != NULL ? spec->format : "qcow2");
  if (!_hg_vm_disks_format_ok (add->format, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (spec->size == 0)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("a new disk needs a size (--size 8G) or an existing image "
                                 "(--image FILE)"));
      return;
    }
  add->dest = new_disk_path (config, add->format);
  add->size = spec->size;
  {
    g_autoptr(GTask) prepare = g_task_new (NULL, cancellable, add_inspected,
                                           g_steal_pointer (&task));

    g_task_set_task_data (prepare, add, NULL);
    g_task_run_in_thread (prepare, add_inspect_thread);
  }
}

char *
hg_vm_disk_add_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- remove ----------------------------------------------------------------- */

gboolean
hg_vm_disk_remove (HgVmConfig  *config,
                   const char  *name,
                   gboolean     trash,
                   char       **out_path,
                   GError     **error)
{
  gint index = hg_vm_disk_find (config, name, error);
  g_autofree char *abs = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GFile) file = NULL;
  GError *local = NULL;
  HgDisk *disk;

  if (index < 0)
    return FALSE;
  disk = _hg_vm_disks_at (config, index);
  abs = hg_vm_config_resolve_path (config, disk->path);
  dir = g_path_get_dirname (abs);
  if (trash && g_strcmp0 (dir, config->dir) != 0)
    {
      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                   _("%s is not in the VM's folder %s: Hangar does not move it to the trash "
                     "(remove the disk without --trash to keep it)"), abs, config->dir);
      return FALSE;
    }
  disk = g_ptr_array_steal_index (config->disks, index);
  if (!hg_vm_config_save (config, error))
    {
      g_ptr_array_insert (config->disks, index, disk);
      return FALSE;
    }
  hg_disk_free (disk);
  if (out_path != NULL)
    *out_path = g_strdup (abs);
  if (!trash)
    return TRUE;
  file = g_file_new_for_path (abs);
  if (!g_file_trash (file, NULL, &local))
    {
      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                   _("%s was removed from VM “%s”, but its image %s could not be moved to the "
                     "trash (%s): it is kept"), name, config->label, abs, local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

/* ---- resize ----------------------------------------------------------------- */

const char *
hg_vm_disk_grow_note (void)
{
  return _("The guest sees the larger disk (at once when it runs, else at its next start); "
           "its partition and file system keep their size until grown inside the guest "
           "(e.g. growpart and resize2fs, or Disk Management on Windows).");
}

static gboolean
shrink_refused (const char  *name,
                guint64      from,
                guint64      to,
                gboolean     online,
                GError     **error)
{
  g_autofree char *from_text = hg_size_format (from);
  g_autofree char *to_text = hg_size_format (to);

  if (online)
    g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_SHRINK,
                 _("%s cannot shrink from %s to %s while the VM runs: stop it first "
                   "(and shrink the guest's file system and partition before that)"),
                 name, from_text, to_text);
  else
    g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_SHRINK,
                 _("shrinking %s from %s to %s cuts off its end: whatever the guest keeps "
                   "there (partitions, file systems) is lost.  Shrink them inside the guest "
                   "first, then use --force"), name, from_text, to_text);
  return FALSE;
}

gboolean
hg_vm_disk_resize (HgVmConfig    *config,
                   const char    *name,
                   guint64        bytes,
                   gboolean       force,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(HgDiskImageInfo) chain = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *size = NULL;
  g_autofree char *what = NULL;
  const HgDiskImageLayer *top;
  gint index = hg_vm_disk_find (config, name, error);
  HgDisk *disk;

  if (index < 0)
    return FALSE;
  if (bytes == 0)
    {
      g_set_error (error, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                   _("a disk cannot be resized to 0 bytes"));
      return FALSE;
    }
  disk = _hg_vm_disks_at (config, index);
  chain = _hg_vm_disks_check (config, index, &abs, cancellable, error);
  if (chain == NULL)
    return FALSE;
  top = g_ptr_array_index (chain->layers, 0);
  if (bytes == top->virtual_size)
    return TRUE;
  if (bytes < top->virtual_size && !force)
    return shrink_refused (name, top->virtual_size, bytes, FALSE, error);
  size = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  what = g_strdup_printf ("qemu-img resize %s", abs);
  {
    const char *args[] = { "resize", "-q", "-f", disk->format, "--shrink", abs, size, NULL };

    if (bytes > top->virtual_size)
      memmove (&args[4], &args[5], 3 * sizeof args[0]);   /* without --shrink */
    return _hg_vm_disks_qemu_img_ok (args, what, cancellable, NULL, error);
  }
}

typedef struct {
  char    *node;
  char    *name;
  guint64  bytes;
} Online;

static void
online_free (Online *o)
{
  g_free (o->node);
  g_free (o->name);
  g_free (o);
}

static void
online_resized (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) reply = NULL;
  GError *error = NULL;

  reply = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      Online *o = g_task_get_task_data (task);

      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                               _("QEMU did not resize %s: %s"), o->name, error->message);
      g_error_free (error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* query-block: the node's current size, then block_resize */
static void
online_queried (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GCancellable *cancellable = g_task_get_cancellable (user_data);
  g_autoptr(GTask) task = user_data;
  Online *o = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonBuilder) args = json_builder_new ();
  g_autoptr(JsonNode) args_node = NULL;
  GError *error = NULL;
  gint64 current = -1;

  reply = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (JSON_NODE_HOLDS_ARRAY (reply))
    {
      JsonArray *a = json_node_get_array (reply);

      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *dev = json_array_get_object_element (a, i);
          JsonObject *ins = dev != NULL && json_object_has_member (dev, "inserted")
                            ? json_object_get_object_member (dev, "inserted") : NULL;
          JsonObject *image = ins != NULL && json_object_has_member (ins, "image")
                              ? json_object_get_object_member (ins, "image") : NULL;

          if (ins != NULL && image != NULL &&
              g_strcmp0 (json_object_get_string_member_with_default (ins, "node-name", ""),
                         o->node) == 0)
            current = json_object_get_int_member_with_default (image, "virtual-size", -1);
        }
    }
  if (current < 0)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                               _("the running QEMU has no block node %s for %s"), o->node,
                               o->name);
      return;
    }
  if (o->bytes < (guint64) current)
    {
      shrink_refused (o->name, (guint64) current, o->bytes, TRUE, &error);
      g_task_return_error (task, error);
      return;
    }
  if (o->bytes == (guint64) current)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  json_builder_begin_object (args);
  json_builder_set_member_name (args, "node-name");
  json_builder_add_string_value (args, o->node);
  json_builder_set_member_name (args, "size");
  json_builder_add_int_value (args, (gint64) o->bytes);
  json_builder_end_object (args);
  args_node = json_builder_get_root (args);
  hg_qmp_client_execute_async (HG_QMP_CLIENT (source), "block_resize",
                               args_node, cancellable,
                               online_resized, g_steal_pointer (&task));
}

void
hg_vm_disk_resize_online_async (HgVm                *vm,
                                const char          *name,
                                guint64              bytes,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (vm, cancellable, callback, user_data);
  HgVmConfig *config = hg_vm_get_config (vm);
  HgQmpClient *client = hg_vm_get_qmp_client (vm);
  Online *o = g_new0 (Online, 1);
  GError *error = NULL;
  gint index;

  g_task_set_source_tag (task, hg_vm_disk_resize_online_async);
  g_task_set_task_data (task, o, (GDestroyNotify) online_free);
  o->name = g_strdup (name);
  o->bytes = bytes;
  index = hg_vm_disk_find (config, name, &error);
  if (index < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (bytes == 0)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_INVALID,
                               _("a disk cannot be resized to 0 bytes"));
      return;
    }
  if (client == NULL)
    {
      g_task_return_new_error (task, HG_VM_DISK_ERROR, HG_VM_DISK_ERROR_FAILED,
                               _("VM “%s” does not answer on QMP"), config->label);
      return;
    }
  /* the disk's top -blockdev node is named like its device (hg-cmdline-devices.c) */
  o->node = g_strdup_printf ("disk%d", index);
  hg_qmp_client_execute_async (client, "query-block", NULL, cancellable, online_queried,
                               g_steal_pointer (&task));
}

gboolean
hg_vm_disk_resize_online_finish (HgVm          *vm,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, vm), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
