/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spec"
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-temp.h"
#include "hg-vm-spec-private.h"

/*
 * HgVmSpec creation: one GTask state machine.  Validate, build the VM in
 * <parent>/.<label>.tmp-XXXXXX (copied-in files, then the disk: new qcow2,
 * copy or qemu-img convert), write the config last, rename the folder into
 * place with RENAME_NOREPLACE.  Any failure or a cancel removes the
 * temporary folder and the folders made for it; nothing is left behind.
 * The temporary folder stays flock()ed until then (hg-temp.h), so that a
 * library scan removes it only when this process was killed; qemu-img dies
 * with us (hg-spawn.h).
 */

typedef enum {
  STEP_COPY,
  STEP_CONVERT,
  STEP_NEW_DISK,
} StepKind;

typedef struct {
  StepKind  kind;
  char     *src;
  char     *src_format;
  char     *dest;        /* absolute, in the temporary folder */
  guint64   size;        /* bytes of a new disk */
  guint64   weight;      /* share of the progress */
  char     *what;        /* progress text */
} Step;

typedef struct {
  HgVmConfig           *config;
  char                 *parent;
  char                 *first_made;
  char                 *tmp;
  int                   tmp_lock;   /* held while tmp exists */
  GPtrArray            *steps;
  guint                 step;
  guint64               total_weight;
  guint64               done_weight;
  gboolean              hook_done;
  HgVmSpecProgressFunc  func;
  gpointer              func_data;
  GDestroyNotify        func_destroy;
} Create;

static void
step_free (Step *step)
{
  g_free (step->src);
  g_free (step->src_format);
  g_free (step->dest);
  g_free (step->what);
  g_free (step);
}

/* rm -r of a folder we made, never following symlinks */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (!S_ISDIR (st.st_mode))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

/* rmdir (only empty ones) from dir up to the first folder we made */
static void
undo_parents (const char *dir,
              const char *first_made)
{
  g_autofree char *p = g_strdup (dir);

  if (first_made == NULL)
    return;
  while (g_rmdir (p) == 0 && !g_str_equal (p, first_made))
    {
      char *parent = g_path_get_dirname (p);
      g_free (p);
      p = parent;
    }
}

static void
drop_lock (Create *c)
{
  if (c->tmp_lock >= 0)
    close (c->tmp_lock);
  c->tmp_lock = -1;
}

static void
create_free (Create *c)
{
  if (c->tmp != NULL)
    remove_tree (c->tmp);
  drop_lock (c);
  if (c->parent != NULL)
    undo_parents (c->parent, c->first_made);
  if (c->func_destroy != NULL)
    c->func_destroy (c->func_data);
  g_clear_pointer (&c->config, hg_vm_config_unref);
  g_clear_pointer (&c->steps, g_ptr_array_unref);
  g_free (c->parent);
  g_free (c->first_made);
  g_free (c->tmp);
  g_free (c);
}

static void
report (GTask      *task,
        double      fraction,
        const char *what)
{
  HgVmSpec *self = g_task_get_source_object (task);
  Create *c = g_task_get_task_data (task);

  _hg_vm_spec_set_progress (self, fraction, what);
  if (c->func != NULL)
    c->func (self, fraction, what != NULL ? what : self->progress_text, c->func_data);
}

static void
step_progress (double   fraction,
               gpointer user_data)
{
  GTask *task = user_data;
  Create *c = g_task_get_task_data (task);
  Step *step;
  double total;

  if (c->step >= c->steps->len)
    return;
  step = c->steps->pdata[c->step];
  total = (double) c->done_weight + (fraction >= 0 ? fraction : 0) * (double) step->weight;
  report (task, c->total_weight > 0 ? total / (double) c->total_weight : -1, NULL);
}

static void run_step (GTask *task);

static void
finish (GTask  *task,
        GError *error)
{
  HgVmSpec *self = g_task_get_source_object (task);

  _hg_vm_spec_set_busy (self, FALSE);
  if (error != NULL)
    {
      Create *c = g_task_get_task_data (task);

      /* undone before the caller hears of it */
      if (c->tmp != NULL)
        remove_tree (c->tmp);
      drop_lock (c);
      if (c->parent != NULL)
        undo_parents (c->parent, c->first_made);
      g_clear_pointer (&c->tmp, g_free);
      g_clear_pointer (&c->first_made, g_free);
      _hg_vm_spec_set_progress (self, 0.0, NULL);
      g_task_return_error (task, error);
    }
  else
    {
      Create *c = g_task_get_task_data (task);
      g_task_return_pointer (task, hg_vm_config_ref (c->config), (GDestroyNotify) hg_vm_config_unref);
    }
}

static void
step_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Create *c = g_task_get_task_data (task);
  Step *step = c->steps->pdata[c->step];
  GError *error = NULL;
  gboolean ok;

  (void) source;
  switch (step->kind)
    {
    case STEP_COPY: ok = hg_disk_image_copy_finish (result, &error); break;
    case STEP_CONVERT: ok = hg_disk_image_convert_finish (result, &error); break;
    case STEP_NEW_DISK:
    default: ok = hg_disk_image_create_finish (result, &error); break;
    }
  if (!ok)
    {
      finish (task, error);
      return;
    }
  c->done_weight += step->weight;
  c->step++;
  run_step (g_steal_pointer (&task));
}

static gboolean
fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* After the last step: the config, then the rename */
static void
commit (GTask *task)
{
  HgVmSpec *self = g_task_get_source_object (task);
  Create *c = g_task_get_task_data (task);
  g_autofree char *final_path = g_strdup (c->config->path);
  g_autofree char *tmp_path = NULL;
  GError *error = NULL;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      finish (task, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return;
    }
  report (task, 1.0, _("Writing the configuration"));
  tmp_path = g_strconcat (c->tmp, G_DIR_SEPARATOR_S, self->label, HG_CONFIG_SUFFIX, NULL);
  g_free (c->config->path);
  c->config->path = g_steal_pointer (&tmp_path);
  if (!hg_vm_config_save (c->config, &error))
    {
      finish (task, error);
      return;
    }
  g_free (c->config->path);
  c->config->path = g_steal_pointer (&final_path);
  fsync_dir (c->tmp);
  if (renameat2 (AT_FDCWD, c->tmp, AT_FDCWD, self->target_dir, RENAME_NOREPLACE) != 0)
    {
      int errsv = errno;
      finish (task, g_error_new (HG_VM_SPEC_ERROR, errsv == EEXIST ? HG_VM_SPEC_ERROR_LABEL
                                                                    : HG_VM_SPEC_ERROR_FAILED,
                                 _("Cannot move the new VM to %s: %s"), self->target_dir,
                                 g_strerror (errsv)));
      return;
    }
  fsync_dir (c->parent);
  /* it is in place: nothing to undo any more */
  drop_lock (c);
  g_clear_pointer (&c->tmp, g_free);
  g_clear_pointer (&c->first_made, g_free);
  report (task, 1.0, _("Created"));
  finish (task, NULL);
}

static void
hook_thread (GTask        *hook_task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HgVmSpec *self = source;
  Create *c = task_data;
  GError *error = NULL;

  if (self->create_hook (self, c->config, c->tmp, self->create_hook_data, cancellable, &error))
    g_task_return_boolean (hook_task, TRUE);
  else
    g_task_return_error (hook_task, error);
}

static void
hook_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  (void) source;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish (task, error);
      return;
    }
  commit (task);
}

static void
run_step (GTask *task)
{
  Create *c = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  HgVmSpec *self = g_task_get_source_object (task);
  Step *step;

  if (c->step >= c->steps->len && self->create_hook != NULL && !c->hook_done)
    {
      /* the caller's last step, in a thread; the config is ours until it returns */
      g_autoptr(GTask) hook_task = g_task_new (self, cancellable, hook_done, task);

      c->hook_done = TRUE;
      g_task_set_task_data (hook_task, c, NULL);
      g_task_run_in_thread (hook_task, hook_thread);
      return;
    }
  if (c->step >= c->steps->len)
    {
      /* the reference the steps passed on ends here */
      commit (task);
      g_object_unref (task);
      return;
    }
  step = c->steps->pdata[c->step];
  report (task, c->total_weight > 0 ? (double) c->done_weight / (double) c->total_weight : 0,
          step->what);
  switch (step->kind)
    {
    case STEP_COPY:
      hg_disk_image_copy_async (step->src, step->dest, step_progress, task, cancellable,
                                step_done, task);
      break;
    case STEP_CONVERT:
      hg_disk_image_convert_async (step->src, step->src_format, step->dest, step_progress, task,
                                   cancellable, step_done, task);
      break;
    case STEP_NEW_DISK:
    default:
      hg_disk_image_create_async (step->dest, step->size, cancellable, step_done, task);
      break;
    }
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static void
add_step (Create     *c,
          StepKind    kind,
          const char *src,
          const char *src_format,
          const char *name,
          guint64     size,
          const char *what)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->src = g_strdup (src);
  step->src_format = g_strdup (src_format);
  step->dest = g_build_filename (c->tmp, name, NULL);
  step->size = size;
  step->weight = kind == STEP_NEW_DISK ? (G_GUINT64_CONSTANT (1) << 20)
                                       : MAX (file_size (src), G_GUINT64_CONSTANT (1) << 20);
  step->what = g_strdup (what);
  c->total_weight += step->weight;
  g_ptr_array_add (c->steps, step);
}

/* A file the user chose, with the symlinks they chose resolved: the copy
 * itself never follows one (hg_disk_image_copy_async). */
static char *
chosen_file (const char *path)
{
  char *real = realpath (path, NULL);

  if (real != NULL)
    {
      char *copy = g_strdup (real);

      free (real);
      return copy;
    }
  return g_canonicalize_filename (path, NULL);
}

/* mkdir -p that remembers the first folder it made (to undo) */
static gboolean
make_parents (const char  *dir,
              char       **out_first_made,
              GError     **error)
{
  g_autofree char *probe = g_strdup (dir);
  g_autofree char *first = NULL;

  while (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (probe);

      g_free (first);
      first = g_steal_pointer (&probe);
      probe = parent;
      if (g_str_equal (probe, first))
        break;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_LOCATION,
                   _("Folder: cannot create %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }
  *out_first_made = g_steal_pointer (&first);
  return TRUE;
}

void
hg_vm_spec_create_async (HgVmSpec             *self,
                         HgVmSpecProgressFunc  progress_func,
                         gpointer              progress_data,
                         GDestroyNotify        progress_destroy,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Create *c;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM_SPEC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_spec_create_async);
  c = g_new0 (Create, 1);
  c->tmp_lock = -1;
  c->func = progress_func;
  c->func_data = progress_data;
  c->func_destroy = progress_destroy;
  c->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  g_task_set_task_data (task, c, (GDestroyNotify) create_free);

  if (self->busy)
    {
      g_task_return_new_error (task, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_BUSY,
                               _("The VM is being created already"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  c->config = hg_vm_spec_to_config (self, &error);
  if (c->config == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _hg_vm_spec_set_busy (self, TRUE);
  _hg_vm_spec_set_progress (self, 0.0, _("Preparing"));

  c->parent = _hg_vm_spec_dup_parent (self);
  if (!make_parents (c->parent, &c->first_made, &error))
    {
      finish (task, error);
      return;
    }
  {
    g_autofree char *path = NULL;

    /* private from the start: another user never sees into the VM */
    c->tmp_lock = hg_temp_dir_new_locked (c->parent, self->label, 0700, &path);
    if (c->tmp_lock < 0)
      {
        int errsv = errno;
        finish (task, g_error_new (HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_LOCATION,
                                   _("Folder: cannot create a folder in %s: %s"), c->parent,
                                   g_strerror (errsv)));
        return;
      }
    c->tmp = g_steal_pointer (&path);
  }

  /* the steps, in the names build_config chose */
  if (self->copy_in)
    {
      if (_hg_vm_spec_uses_kernel (self))
        {
          g_autofree char *what = g_strdup_printf (_("Copying %s"), c->config->kernel);
          g_autofree char *src = chosen_file (self->kernel_path);
          add_step (c, STEP_COPY, src, NULL, c->config->kernel, 0, what);
          if (c->config->initrd != NULL)
            {
              g_autofree char *what2 = g_strdup_printf (_("Copying %s"), c->config->initrd);
              g_autofree char *src2 = chosen_file (self->initrd_path);
              add_step (c, STEP_COPY, src2, NULL, c->config->initrd, 0, what2);
            }
        }
      if (_hg_vm_spec_uses_iso (self))
        {
          HgMedium *medium = hg_vm_config_get_medium (c->config, HG_MEDIUM_CDROM);
          g_autofree char *what = g_strdup_printf (_("Copying %s"), medium->path);
          g_autofree char *src = chosen_file (self->iso_path);
          add_step (c, STEP_COPY, src, NULL, medium->path, 0, what);
        }
    }
  if (c->config->disks->len > 0)
    {
      HgDisk *disk = c->config->disks->pdata[0];
      g_autofree char *src = self->image_path != NULL
                               ? chosen_file (self->image_path) : NULL;

      if (_hg_vm_spec_uses_image (self) && self->image_mode == HG_IMAGE_MODE_COPY)
        {
          g_autofree char *what = g_strdup_printf (_("Copying %s"), disk->path);
          add_step (c, STEP_COPY, src, NULL, disk->path, 0, what);
        }
      else if (_hg_vm_spec_uses_image (self) && self->image_mode == HG_IMAGE_MODE_CONVERT)
        {
          g_autofree char *what = g_strdup_printf (_("Converting %s to %s"), self->image_path,
                                                   disk->path);
          add_step (c, STEP_CONVERT, src, self->image_format, disk->path, 0, what);
        }
      else if (_hg_vm_spec_uses_new_disk (self))
        {
          g_autofree char *what = g_strdup_printf (_("Creating disk %s"), disk->path);
          add_step (c, STEP_NEW_DISK, NULL, NULL, disk->path, self->disk_size, what);
        }
    }
  run_step (g_steal_pointer (&task));
}

HgVmConfig *
hg_vm_spec_create_finish (HgVmSpec      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
