/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-vm-private.h"

/* After quit or SIGKILL, QEMU is gone within this. */
#define FORCE_WAIT_MS 10000

/* ---- plumbing ---------------------------------------------------------- */

GTask *
_hg_vm_action_task (HgVm               *self,
                    gpointer            source_tag,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

gboolean
hg_vm_action_finish (HgVm          *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The QMP client of the task's VM, or NULL with the task completed with
 * the error (not running, or QMP held by another client). */
static HgQmpClient *
task_require_qmp (GTask *task)
{
  GError *error = NULL;
  HgQmpClient *qmp = _hg_vm_require_qmp (g_task_get_source_object (task), &error);

  if (qmp == NULL)
    g_task_return_error (task, error);
  return qmp;
}

/* a QMP command without result finished: complete the task */
static void
on_simple_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

typedef void (*SimpleQmpFunc) (HgQmpClient *client, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);

static void
run_simple (HgVm               *self,
            gpointer            source_tag,
            SimpleQmpFunc       func,
            GAsyncReadyCallback done,
            GCancellable       *cancellable,
            GAsyncReadyCallback callback,
            gpointer            user_data)
{
  g_autoptr(GTask) task = _hg_vm_action_task (self, source_tag, cancellable, callback, user_data);
  HgQmpClient *qmp = task_require_qmp (task);

  if (qmp != NULL)
    func (qmp, cancellable, done, g_object_ref (task));
}

/* ---- pause, resume, reset ---------------------------------------------- */

/* stop (pause) or cont (resume) finished */
static void
on_stop_cont_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  gboolean pause = g_task_get_source_tag (task) == hg_vm_pause_async;
  GError *error = NULL;

  if (!hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* the STOP/RESUME event normally came first */
  if (pause && self->state == HG_VM_STATE_RUNNING)
    _hg_vm_set_state (self, HG_VM_STATE_PAUSED, _("paused"));
  else if (!pause && self->state == HG_VM_STATE_PAUSED)
    _hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
  g_task_return_boolean (task, TRUE);
}

void
hg_vm_pause_async (HgVm *self, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_simple (self, hg_vm_pause_async, hg_qmp_stop_async, on_stop_cont_done,
              cancellable, callback, user_data);
}

void
hg_vm_resume_async (HgVm *self, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_simple (self, hg_vm_resume_async, hg_qmp_cont_async, on_stop_cont_done,
              cancellable, callback, user_data);
}

void
hg_vm_reset_async (HgVm *self, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_simple (self, hg_vm_reset_async, hg_qmp_system_reset_async, on_simple_done,
              cancellable, callback, user_data);
}

/* ---- kill -------------------------------------------------------------- */

static void
on_gone (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (_hg_vm_wait_gone_finish (HG_VM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Signals only a process proven to be this VM's QEMU: its pid, exe and a
 * command line naming this VM's runtime dir (unique per VM directory),
 * through the pidfd opened when it was proven (no pid-reuse race). */
static gboolean
send_signal (HgVm    *self,
             int      signum,
             GError **error)
{
  if (self->pid == 0 || !hg_process_pid_is_vm_qemu (self->pid, hg_vm_get_runtime_paths (self)))
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                   _("VM '%s' is not running"), self->config->label);
      return FALSE;
    }
  return hg_proc_send_signal (self->pid, self->pidfd, signum, error);
}

/* A VM that is not attached (a one-shot hangarctl that did not or could
 * not talk QMP) is found by its pidfile and proven before it is watched. */
static gboolean
find_process (HgVm    *self,
              GError **error)
{
  GError *local = NULL;
  int pidfd = -1;
  GPid pid;

  if (self->pid != 0)
    return TRUE;
  pid = hg_process_open_running (hg_vm_get_runtime_paths (self), &pidfd, &local);
  if (pid == 0)
    {
      if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                     _("VM '%s' is not running"), self->config->label);
      return FALSE;
    }
  _hg_vm_watch_process (self, pid, pidfd, NULL);
  self->qmp_busy = self->qmp == NULL;
  if (!hg_vm_is_active (self))
    _hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
  return TRUE;
}

void
hg_vm_kill_async (HgVm               *self,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM (self));

  task = _hg_vm_action_task (self, hg_vm_kill_async, cancellable, callback, user_data);
  if (!find_process (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  _hg_vm_expect_exit (self, _("killed"));
  if (!send_signal (self, SIGKILL, &error))
    {
      _hg_vm_expect_exit (self, NULL);
      g_task_return_error (task, error);
      return;
    }
  _hg_vm_wait_gone_async (self, FORCE_WAIT_MS, cancellable, on_gone, g_object_ref (task));
}

/* ---- shutdown: ACPI, then quit, then SIGKILL --------------------------- */

enum {
  STEP_POWERDOWN,
  STEP_QUIT,
  STEP_TERM,     /* no QMP: SIGTERM (QEMU quits cleanly when its main loop runs) */
  STEP_KILL,
};

typedef struct {
  guint         timeout_ms;
  gboolean      forced;
  int           step;
  HgVmStopHow   how;
} ShutdownData;

static void shutdown_step (GTask *task);

static void
on_shutdown_gone (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShutdownData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (_hg_vm_wait_gone_finish (HG_VM (source), result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (d->step >= STEP_KILL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  d->step = d->step == STEP_POWERDOWN ? STEP_QUIT : STEP_KILL;
  d->forced = TRUE;
  shutdown_step (g_object_ref (task));
}

static void
on_shutdown_sent (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  ShutdownData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    {
      if (!hg_vm_is_active (self))
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      g_debug ("VM '%s': shutdown step %d failed: %s", self->config->label, d->step, error->message);
      d->step = d->step == STEP_POWERDOWN ? STEP_QUIT : STEP_KILL;
      d->forced = TRUE;
      shutdown_step (g_object_ref (task));
      return;
    }
  _hg_vm_wait_gone_async (self, d->step == STEP_POWERDOWN ? d->timeout_ms : FORCE_WAIT_MS,
                          g_task_get_cancellable (task), on_shutdown_gone, g_object_ref (task));
}

static void
shutdown_step (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  ShutdownData *d = g_task_get_task_data (task);
  GError *error = NULL;
  HgQmpClient *qmp;

  if (!hg_vm_is_active (self))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  qmp = d->step <= STEP_QUIT ? _hg_vm_require_qmp (self, NULL) : NULL;
  if (qmp == NULL && d->step <= STEP_QUIT)
    d->step = STEP_KILL;
  if (d->step == STEP_TERM)
    {
      _hg_vm_expect_exit (self, _("ended by SIGTERM: QEMU did not answer on QMP"));
    }
  else if (d->step == STEP_KILL && d->how == HG_VM_STOP_SIGTERM)
    {
      g_autofree char *why = g_strdup_printf (_("killed (SIGKILL): QEMU did not answer on QMP nor "
                                                "end on SIGTERM within %u s"),
                                              d->timeout_ms / 1000);
      _hg_vm_expect_exit (self, why);
    }
  else if (d->step > STEP_POWERDOWN)
    {
      g_autofree char *why = g_strdup_printf (_("forced off after %u s without guest power-off"),
                                              d->timeout_ms / 1000);
      _hg_vm_expect_exit (self, why);
    }
  switch (d->step)
    {
    case STEP_POWERDOWN:
      d->how = HG_VM_STOP_POWERED_OFF;
      _hg_vm_set_state (self, HG_VM_STATE_SHUTTING_DOWN, _("ACPI power-down requested"));
      hg_qmp_system_powerdown_async (qmp, g_task_get_cancellable (task), on_shutdown_sent, task);
      break;
    case STEP_QUIT:
      d->how = HG_VM_STOP_QUIT;
      hg_qmp_quit_async (qmp, g_task_get_cancellable (task), on_shutdown_sent, task);
      break;
    case STEP_TERM:
    case STEP_KILL:
    default:
      if (!send_signal (self, d->step == STEP_TERM ? SIGTERM : SIGKILL, &error))
        {
          if (!hg_vm_is_active (self))
            {
              g_clear_error (&error);
              g_task_return_boolean (task, TRUE);
            }
          else
            g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      d->how = d->step == STEP_TERM ? HG_VM_STOP_SIGTERM : HG_VM_STOP_SIGKILL;
      _hg_vm_wait_gone_async (self, d->step == STEP_TERM ? d->timeout_ms : FORCE_WAIT_MS,
                              g_task_get_cancellable (task), on_shutdown_gone, task);
      break;
    }
}

void
hg_vm_shutdown_async (HgVm               *self,
                      guint               timeout_ms,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GTask *task;
  ShutdownData *d;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM (self));

  task = _hg_vm_action_task (self, hg_vm_shutdown_async, cancellable, callback, user_data);
  self->stop_asked = TRUE;
  d = g_new0 (ShutdownData, 1);
  d->timeout_ms = timeout_ms;
  g_task_set_task_data (task, d, g_free);
  if (hg_vm_is_active (self) && self->pid == 0)
    g_set_error (&error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                 _("VM '%s' is not running yet"), self->config->label);
  if (error != NULL || !find_process (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* without QMP (QEMU stopped, hung, or both sockets held by other
   * clients) there is no ACPI: SIGTERM, then SIGKILL after the timeout */
  if (_hg_vm_require_qmp (self, NULL) == NULL)
    {
      d->step = STEP_TERM;
      d->forced = TRUE;
    }
  shutdown_step (task);
}

gboolean
hg_vm_shutdown_finish (HgVm          *self,
                       GAsyncResult  *result,
                       gboolean      *forced,
                       GError       **error)
{
  ShutdownData *d;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  d = g_task_get_task_data (G_TASK (result));
  if (forced != NULL)
    *forced = d != NULL && d->forced;
  return g_task_propagate_boolean (G_TASK (result), error);
}

HgVmStopHow
hg_vm_shutdown_get_how (HgVm         *self,
                        GAsyncResult *result)
{
  ShutdownData *d;

  g_return_val_if_fail (g_task_is_valid (result, self), HG_VM_STOP_POWERED_OFF);
  d = g_task_get_task_data (G_TASK (result));
  return d != NULL ? d->how : HG_VM_STOP_POWERED_OFF;
}

/* ---- snapshots --------------------------------------------------------- */

gboolean
hg_vm_check_snapshots_supported (HgVm    *self,
                                 GError **error)
{
  HgVmConfig *config;

  g_return_val_if_fail (HG_IS_VM (self), FALSE);

  config = self->config;
  if (config->disks == NULL || config->disks->len == 0)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED,
                   _("VM '%s' has no disk to hold snapshots (internal snapshots need a qcow2 disk)"),
                   config->label);
      return FALSE;
    }
  for (guint i = 0; i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);

      if (g_strcmp0 (disk->format, "qcow2") != 0)
        {
          g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED,
                       _("[disk:%u] %s of VM '%s' is %s, which cannot hold snapshots: every "
                         "disk must be qcow2 (convert it: hangarctl disk %s convert disk%u qcow2)"),
                       i, disk->path, config->label, disk->format ? disk->format : "?",
                       config->label, i);
          return FALSE;
        }
    }
  return TRUE;
}

typedef void (*SnapshotFunc) (HgQmpClient *client, const char *name, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);

typedef struct {
  SnapshotFunc  func;
  char         *name;
  gboolean      save;
  gboolean      replace;
} SnapshotOp;

static void
snapshot_op_free (SnapshotOp *op)
{
  g_free (op->name);
  g_free (op);
}

static void on_load_checked (GObject *source, GAsyncResult *result, gpointer user_data);

/* The list is in: QEMU's savevm replaces a snapshot silently, and loadvm /
 * delvm of a missing name say little; both are decided here, by name. */
static void
on_snapshot_checked (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  SnapshotOp *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) list = NULL;
  GError *error = NULL;
  HgQmpClient *qmp;
  gboolean exists;

  list = hg_qmp_query_snapshots_finish (HG_QMP_CLIENT (source), result, &error);
  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  exists = hg_qmp_snapshot_find (list, op->name) != NULL;
  if (op->save && exists && !op->replace)
    {
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS,
                               _("VM '%s' has a snapshot named '%s' already: saving would "
                                 "replace it"), self->config->label, op->name);
      return;
    }
  if (!op->save && !exists)
    {
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_NOT_FOUND,
                               _("VM '%s' has no snapshot named '%s'"), self->config->label,
                               op->name);
      return;
    }
  /* the disks are checked again before QEMU reads them back */
  if (op->func == hg_qmp_loadvm_async)
    {
      hg_vm_images_check_disks_async (self->config, g_task_get_cancellable (task), on_load_checked,
                                      g_object_ref (task));
      return;
    }
  if ((qmp = task_require_qmp (task)) != NULL)
    op->func (qmp, op->name, g_task_get_cancellable (task), on_simple_done,
              g_object_ref (task));
}

static void
on_load_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  g_autoptr(HgVmImages) images = NULL;
  GError *error = NULL;
  HgQmpClient *qmp;

  images = hg_vm_images_check_finish (result, &error);
  if (images == NULL)
    {
      g_prefix_error (&error, _("VM '%s': snapshot not loaded: "), self->config->label);
      g_task_return_error (task, error);
      return;
    }
  if ((qmp = task_require_qmp (task)) != NULL)
    hg_qmp_loadvm_async (qmp, ((SnapshotOp *) g_task_get_task_data (task))->name,
                         g_task_get_cancellable (task), on_simple_done, g_object_ref (task));
}

static void
run_snapshot (HgVm               *self,
              gpointer            source_tag,
              SnapshotFunc        func,
              const char         *name,
              gboolean            replace,
              GCancellable       *cancellable,
              GAsyncReadyCallback callback,
              gpointer            user_data)
{
  g_autoptr(GTask) task = _hg_vm_action_task (self, source_tag, cancellable, callback, user_data);
  GError *error = NULL;
  HgQmpClient *qmp;
  SnapshotOp *op;

  if (!hg_qmp_snapshot_name_is_valid (name, &error) ||
      !hg_vm_check_snapshots_supported (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  op = g_new0 (SnapshotOp, 1);
  op->func = func;
  op->name = g_strdup (name);
  op->save = func == hg_qmp_savevm_async;
  op->replace = replace;
  g_task_set_task_data (task, op, (GDestroyNotify) snapshot_op_free);
  if ((qmp = task_require_qmp (task)) != NULL)
    hg_qmp_query_snapshots_async (qmp, cancellable, on_snapshot_checked, g_object_ref (task));
}

void
hg_vm_snapshot_save_async (HgVm *self, const char *name, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_snapshot (self, hg_vm_snapshot_save_async, hg_qmp_savevm_async, name, FALSE, cancellable,
                callback, user_data);
}

void
hg_vm_snapshot_save_full_async (HgVm *self, const char *name, gboolean replace,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_snapshot (self, hg_vm_snapshot_save_async, hg_qmp_savevm_async, name, replace, cancellable,
                callback, user_data);
}

void
hg_vm_snapshot_load_async (HgVm *self, const char *name, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_snapshot (self, hg_vm_snapshot_load_async, hg_qmp_loadvm_async, name, FALSE, cancellable,
                callback, user_data);
}

void
hg_vm_snapshot_delete_async (HgVm *self, const char *name, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_VM (self));
  run_snapshot (self, hg_vm_snapshot_delete_async, hg_qmp_delvm_async, name, FALSE, cancellable,
                callback, user_data);
}

/* query-block (media list) or info snapshots (snapshot list) finished */
static void
on_list_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *list;

  if (g_task_get_source_tag (task) == hg_vm_media_list_async)
    list = hg_qmp_query_block_finish (HG_QMP_CLIENT (source), result, &error);
  else
    list = hg_qmp_query_snapshots_finish (HG_QMP_CLIENT (source), result, &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

void
hg_vm_snapshot_list_async (HgVm *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  HgQmpClient *qmp;

  g_return_if_fail (HG_IS_VM (self));

  task = _hg_vm_action_task (self, hg_vm_snapshot_list_async, cancellable, callback, user_data);
  if (!hg_vm_check_snapshots_supported (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if ((qmp = task_require_qmp (task)) != NULL)
    hg_qmp_query_snapshots_async (qmp, cancellable, on_list_done, g_object_ref (task));
}

GPtrArray *
hg_vm_snapshot_list_finish (HgVm *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- media ------------------------------------------------------------- */

typedef struct {
  char     *device;
  char     *file;
  char     *format;
  gboolean  force;
  gboolean  change;
  HgDiskImageInfo *chain;   /* change: the new medium, checked */
  GStrv     old_nodes;      /* the nodes of the medium taken out, top first */
} MediaData;

static void
media_data_free (MediaData *d)
{
  g_free (d->device);
  g_free (d->file);
  g_free (d->format);
  g_clear_pointer (&d->chain, hg_disk_image_info_free);
  g_strfreev (d->old_nodes);
  g_free (d);
}

void
hg_vm_media_list_async (HgVm *self, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  HgQmpClient *qmp;

  g_return_if_fail (HG_IS_VM (self));

  task = _hg_vm_action_task (self, hg_vm_media_list_async, cancellable, callback, user_data);
  if ((qmp = task_require_qmp (task)) != NULL)
    hg_qmp_query_block_async (qmp, cancellable, on_list_done, g_object_ref (task));
}

GPtrArray *
hg_vm_media_list_finish (HgVm *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The qdev id of a QOM path "/machine/peripheral/cd0/virtio-backend" is cd0 */
static gboolean
qdev_matches (const char *qdev,
              const char *name)
{
  g_autofree char *needle = NULL;

  if (qdev == NULL)
    return FALSE;
  if (g_str_equal (qdev, name))
    return TRUE;
  needle = g_strdup_printf ("/machine/peripheral/%s/", name);
  return g_str_has_prefix (qdev, needle) ||
         (g_str_has_prefix (qdev, "/machine/peripheral/") &&
          g_str_equal (qdev + strlen ("/machine/peripheral/"), name));
}

/* The medium is out: its nodes go too, so that QEMU no longer holds the
 * old image open (best effort; the action succeeded) */
static void
on_old_nodes_deleted (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
on_medium_swapped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MediaData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (d->old_nodes == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  hg_qmp_blockdev_del_nodes_async (HG_QMP_CLIENT (source), (const char * const *) d->old_nodes,
                                   g_task_get_cancellable (task), on_old_nodes_deleted,
                                   g_object_ref (task));
}

/* The node names of the medium in the drive, top first: ours are
 * NAME, NAME-file, NAME-b1, NAME-b1-file ... (hg_cmdline_blockdev_nodes);
 * QEMU's own ("#block123", from -drive) are left alone */
static GStrv
old_node_names (HgQmpBlockInfo *info)
{
  g_autoptr(GStrvBuilder) builder = NULL;

  if (!info->has_media || info->node_name == NULL || info->node_name[0] == '#')
    return NULL;
  builder = g_strv_builder_new ();
  for (guint k = 0; k <= info->backing_depth; k++)
    {
      g_autofree char *node = k == 0 ? g_strdup (info->node_name)
                                     : g_strdup_printf ("%s-b%u", info->node_name, k);
      g_autofree char *file = g_strconcat (node, "-file", NULL);

      g_strv_builder_add (builder, node);
      g_strv_builder_add (builder, file);
    }
  return g_strv_builder_end (builder);
}

static void
on_media_resolved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  MediaData *d = g_task_get_task_data (task);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  HgQmpBlockInfo *hit = NULL;
  GError *error = NULL;
  guint n_removable = 0;
  HgQmpClient *qmp;

  list = hg_qmp_query_block_finish (HG_QMP_CLIENT (source), result, &error);
  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (list, i);
      const char *shown = (info->device && *info->device) ? info->device : info->qdev;

      if (!info->removable)
        continue;
      n_removable++;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, shown ? shown : "?");
      if (d->device == NULL)
        hit = info;
      else if (g_strcmp0 (info->device, d->device) == 0 || qdev_matches (info->qdev, d->device))
        {
          hit = info;
          break;
        }
    }
  if (d->device == NULL && n_removable > 1)
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                               _("VM '%s' has several removable drives (%s): name one"),
                               self->config->label, names->str);
      return;
    }
  if (hit == NULL)
    {
      if (d->device != NULL)
        g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                                 _("VM '%s' has no removable drive '%s' (it has: %s)"),
                                 self->config->label, d->device,
                                 names->len ? names->str : _("none"));
      else
        g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                                 _("VM '%s' has no removable drive"), self->config->label);
      return;
    }
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  {
    const char *dev = (hit->device && *hit->device) ? hit->device : NULL;
    const char *id = dev == NULL ? hit->qdev : NULL;

    if (d->change)
      {
        /* the checked chain as explicit nodes: QEMU opens nothing else */
        const char *qdev = hit->qdev != NULL ? hit->qdev : dev;
        g_autofree char *node = g_strdup_printf ("medium%08x", g_random_int ());
        g_autoptr(GPtrArray) nodes = NULL;
        gboolean floppy = qdev != NULL && (g_str_has_prefix (qdev, "fd") ||
                                           g_str_has_prefix (qdev, "floppy"));

        nodes = hg_cmdline_blockdev_nodes (d->chain, node, !floppy, &error);
        if (nodes == NULL || qdev == NULL)
          {
            if (error == NULL)
              error = g_error_new (HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                                   _("VM '%s': the drive has no id to change its medium"),
                                   self->config->label);
            g_task_return_error (task, error);
            return;
          }
        d->old_nodes = old_node_names (hit);
        hg_qmp_replace_medium_async (qmp, qdev, nodes, node, d->force,
                                     g_task_get_cancellable (task), on_medium_swapped,
                                     g_object_ref (task));
      }
    else
      {
        d->old_nodes = old_node_names (hit);
        hg_qmp_eject_async (qmp, dev, id, d->force,
                            g_task_get_cancellable (task), on_medium_swapped, g_object_ref (task));
      }
  }
}

static void
on_medium_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  MediaData *d = g_task_get_task_data (task);
  GError *error = NULL;
  HgQmpClient *qmp;

  d->chain = hg_vm_images_check_medium_finish (result, &error);
  if (d->chain == NULL)
    {
      g_prefix_error (&error, _("VM '%s': "), self->config->label);
      g_task_return_error (task, error);
      return;
    }
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  hg_qmp_query_block_async (qmp, g_task_get_cancellable (task), on_media_resolved,
                            g_object_ref (task));
}

static void
run_media (HgVm               *self,
           gpointer            source_tag,
           MediaData          *d,
           GCancellable       *cancellable,
           GAsyncReadyCallback callback,
           gpointer            user_data)
{
  g_autoptr(GTask) task = _hg_vm_action_task (self, source_tag, cancellable, callback, user_data);
  HgQmpClient *qmp;

  g_task_set_task_data (task, d, (GDestroyNotify) media_data_free);
  if (d->change)
    {
      /* the new medium is checked as a start checks images: its format as
       * given (never probed), its backing chain inside the VM's folder */
      if (task_require_qmp (task) != NULL)
        hg_vm_images_check_medium_async (self->config, d->file, d->format, cancellable,
                                         on_medium_checked, g_object_ref (task));
      return;
    }
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  hg_qmp_query_block_async (qmp, cancellable, on_media_resolved, g_object_ref (task));
}

void
hg_vm_media_eject_async (HgVm *self, const char *device, gboolean force,
                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MediaData *d;

  g_return_if_fail (HG_IS_VM (self));
  d = g_new0 (MediaData, 1);
  d->device = g_strdup (device);
  d->force = force;
  run_media (self, hg_vm_media_eject_async, d, cancellable, callback, user_data);
}

void
hg_vm_media_change_async (HgVm *self, const char *device, const char *file, const char *format,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  MediaData *d;

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (file != NULL);
  d = g_new0 (MediaData, 1);
  d->device = g_strdup (device);
  d->file = g_canonicalize_filename (file, NULL);
  d->format = g_strdup (format != NULL ? format : "raw");
  d->change = TRUE;
  d->force = TRUE;   /* a locked tray is opened: this is the user's explicit wish */
  run_media (self, hg_vm_media_change_async, d, cancellable, callback, user_data);
}

/* ---- screenshot -------------------------------------------------------- */

typedef struct {
  char *tmp;
  char *target;
} ShotData;

#define PNG_SIGNATURE "\x89PNG\r\n\x1a\n"

static void
shot_data_free (ShotData *d)
{
  if (d->tmp != NULL)
    g_unlink (d->tmp);
  g_free (d->tmp);
  g_free (d->target);
  g_free (d);
}

static void
on_screendump (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShotData *d = g_task_get_task_data (task);
  g_autofree char *data = NULL;
  GError *error = NULL;
  gsize len = 0;

  if (!hg_qmp_screendump_finish (HG_QMP_CLIENT (source), result, &error) ||
      !g_file_get_contents (d->tmp, &data, &len, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* QEMU wrote it as asked: PNG; anything else is not passed on */
  if (len < sizeof PNG_SIGNATURE - 1 || memcmp (data, PNG_SIGNATURE, sizeof PNG_SIGNATURE - 1) != 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 _("QEMU did not write a PNG file"));
  else
    (void) g_file_set_contents_full (d->target, data, len, G_FILE_SET_CONTENTS_CONSISTENT,
                                     0644, &error);
  if (error != NULL)
    {
      g_prefix_error (&error, _("Cannot write screenshot %s: "), d->target);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
hg_vm_screenshot_async (HgVm *self, const char *png_path, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  HgQmpClient *qmp;
  ShotData *d;

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (png_path != NULL);

  task = _hg_vm_action_task (self, hg_vm_screenshot_async, cancellable, callback, user_data);
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  d = g_new0 (ShotData, 1);
  /* QEMU writes into our private runtime dir; we copy to the target */
  name = g_strdup_printf ("screendump-%08x.tmp", g_random_int ());
  d->tmp = g_build_filename (hg_vm_get_runtime_paths (self)->dir, name, NULL);
  d->target = g_canonicalize_filename (png_path, NULL);
  g_task_set_task_data (task, d, (GDestroyNotify) shot_data_free);
  hg_qmp_screendump_async (qmp, d->tmp, NULL, cancellable, on_screendump, g_object_ref (task));
}

/* ---- keys and monitor -------------------------------------------------- */

void
hg_vm_send_keys_async (HgVm *self, const char *combo, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_auto(GStrv) keys = NULL;
  GError *error = NULL;
  HgQmpClient *qmp;

  g_return_if_fail (HG_IS_VM (self));

  task = _hg_vm_action_task (self, hg_vm_send_keys_async, cancellable, callback, user_data);
  keys = hg_qmp_parse_key_combo (combo, &error);
  if (keys == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  hg_qmp_send_key_async (qmp, (const char * const *) keys, 0, cancellable, on_simple_done,
                         g_object_ref (task));
}

static void
on_monitor_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *answer = hg_qmp_human_monitor_command_finish (HG_QMP_CLIENT (source), result, &error);

  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, g_free);
}

void
hg_vm_monitor_async (HgVm *self, const char *command_line, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  HgQmpClient *qmp;

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (command_line != NULL);

  task = _hg_vm_action_task (self, hg_vm_monitor_async, cancellable, callback, user_data);
  if ((qmp = task_require_qmp (task)) == NULL)
    return;
  hg_qmp_human_monitor_command_async (qmp, command_line, cancellable, on_monitor_done,
                                      g_object_ref (task));
}

char *
hg_vm_monitor_finish (HgVm *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
