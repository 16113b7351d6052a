/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hg-vm-private.h"

/* ---- attach ------------------------------------------------------------ */

typedef struct {
  GPid         pid;
  int          pidfd;           /* opened before the identity proof; given to the watch */
  HgQmpClient *qmp;
  char        *name;
  guint        attempts;
  const char  *qmp_path;        /* the socket being tried */
  gboolean     tried_other;     /* the other QMP socket was tried too */
} AttachData;

#define ATTACH_ATTEMPTS 3

static void
attach_data_free (AttachData *d)
{
  if (d->qmp != NULL)
    hg_qmp_client_close (d->qmp);
  g_clear_object (&d->qmp);
  if (d->pidfd >= 0)
    close (d->pidfd);
  g_free (d->name);
  g_free (d);
}

/* Leftovers of a dead VM go, unless a start holds the lock.  A QEMU that
 * ended while nobody watched it (its pidfile names a dead process -- QEMU
 * removes it when it exits normally -- and nobody wrote why it was
 * stopped) crashed: that is recorded for hangarctl list/info
 * (hg_vm_refresh_state); the state here stays stopped. */
static void
clean_stale (HgVm     *self,
             gboolean  had_pidfile)
{
  const HgRuntimePaths *paths = hg_vm_get_runtime_paths (self);
  int lock = hg_process_lock (paths, self->config->label, NULL);
  g_autofree char *reason = NULL;
  GPid pid = 0;

  if (lock < 0)
    return;
  if (hg_process_read_pidfile (paths->pidfile, &pid, NULL) && hg_process_find_running (paths) != 0)
    {
      hg_process_unlock (lock);
      return;
    }
  if (had_pidfile && pid != 0 && !g_file_test (paths->exit_reason, G_FILE_TEST_EXISTS))
    {
      reason = g_strdup_printf (_("QEMU (pid %d) exited unexpectedly while no Hangar watched it "
                                  "(its exit status is known only to its parent)"), (int) pid);
      _hg_vm_record_crash (self, reason);
    }
  hg_process_clean_runtime (paths, NULL);
  hg_process_unlock (lock);
}

static void
attach_done (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);

  g_object_freeze_notify (G_OBJECT (self));
  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  self->guest_ended = FALSE;
  self->stop_asked = FALSE;
  _hg_vm_adopt_qmp (self, d->qmp);
  g_clear_object (&d->qmp);
  _hg_vm_watch_process (self, d->pid, d->pidfd, NULL);
  d->pidfd = -1;
  g_object_thaw_notify (G_OBJECT (self));
}

/* The process is this VM's QEMU (pid, exe, command line naming our
 * runtime dir, checked through a pidfd), but QMP does not answer: it is
 * watched without control, shown running "not responding", and can still
 * be killed. */
static void
attach_unresponsive (GTask      *task,
                     const char *why)
{
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);
  g_autofree char *reason = g_strdup_printf (_("not responding: %s"), why);

  if (d->qmp != NULL)
    hg_qmp_client_close (d->qmp);
  g_clear_object (&d->qmp);
  g_object_freeze_notify (G_OBJECT (self));
  _hg_vm_drop_qmp (self);
  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  self->guest_ended = FALSE;
  self->stop_asked = FALSE;
  _hg_vm_watch_process (self, d->pid, d->pidfd, NULL);
  d->pidfd = -1;
  self->qmp_busy = TRUE;
  _hg_vm_set_state (self, HG_VM_STATE_RUNNING, reason);
  g_object_thaw_notify (G_OBJECT (self));
  g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                           _("VM '%s' (pid %d) is running but not responding: %s"),
                           self->config->label, (int) d->pid, why);
}

/* A QMP step failed: while the process lives it is not responding, else
 * it went away meanwhile. */
static void
attach_failed (GTask  *task,
               GError *error)
{
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else if (hg_process_pid_is_vm_qemu (d->pid, hg_vm_get_runtime_paths (self)))
    {
      attach_unresponsive (task, error->message);
      g_error_free (error);
    }
  else
    {
      g_debug ("VM '%s': QEMU (pid %d) went away while attaching", self->config->label, (int) d->pid);
      g_error_free (error);
      clean_stale (self, TRUE);
      g_task_return_boolean (task, FALSE);
    }
}

static void on_attach_open (GObject *source, GAsyncResult *result, gpointer user_data);

static void
on_attach_status (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  g_autofree char *status = NULL;
  gboolean running = FALSE;
  GError *error = NULL;

  if (!hg_qmp_query_status_finish (HG_QMP_CLIENT (source), result, &running, &status, &error))
    {
      attach_failed (task, error);
      return;
    }
  attach_done (task);
  if (running)
    _hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
  else if (g_strcmp0 (status, "shutdown") == 0)
    _hg_vm_set_state (self, HG_VM_STATE_SHUTTING_DOWN, _("guest powered off"));
  else
    _hg_vm_set_state (self, HG_VM_STATE_PAUSED, status);
  g_task_return_boolean (task, TRUE);
}

static void
on_attach_uuid (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);
  g_autofree char *uuid = NULL;
  GError *error = NULL;
  gboolean uuid_ok, name_ok;
  const char *cfg_uuid = self->config->uuid;

  uuid = hg_qmp_query_uuid_finish (HG_QMP_CLIENT (source), result, &error);
  if (uuid == NULL)
    {
      attach_failed (task, error);
      return;
    }
  uuid_ok = cfg_uuid != NULL && *cfg_uuid != '\0' && g_ascii_strcasecmp (uuid, cfg_uuid) == 0;
  name_ok = g_strcmp0 (d->name, self->config->label) == 0;
  /* With a uuid in the config it decides; else the name must match. */
  if ((cfg_uuid != NULL && *cfg_uuid != '\0' &&
       !g_str_equal (uuid, "00000000-0000-0000-0000-000000000000")) ? !uuid_ok : !name_ok)
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_IDENTITY,
                               _("The QEMU (pid %d) on the runtime directory %s of VM '%s' is "
                                 "another VM (name '%s', uuid %s); not adopted"),
                               (int) d->pid, hg_vm_get_runtime_paths (self)->dir, self->config->label,
                               d->name ? d->name : "", uuid);
      return;
    }
  hg_qmp_query_status_async (d->qmp, g_task_get_cancellable (task), on_attach_status,
                             g_object_ref (task));
}

static void
on_attach_name (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AttachData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hg_qmp_query_name_finish (HG_QMP_CLIENT (source), result, &d->name, &error))
    {
      attach_failed (task, error);
      return;
    }
  hg_qmp_query_uuid_async (d->qmp, g_task_get_cancellable (task), on_attach_uuid,
                           g_object_ref (task));
}

static void
open_qmp (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);

  g_clear_object (&d->qmp);
  d->qmp = hg_qmp_client_new (d->qmp_path);
  hg_qmp_client_set_greeting_timeout (d->qmp, self->attach_timeout_ms);
  hg_qmp_client_open_async (d->qmp, g_task_get_cancellable (task), on_attach_open,
                            g_object_ref (task));
}

static void
on_attach_open (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  AttachData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hg_qmp_client_open_finish (HG_QMP_CLIENT (source), result, &error))
    {
      gboolean timeout = g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT);
      gboolean refused = g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED) ||
                         g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_CONNECT);

      if ((timeout || refused) && hg_process_pid_is_vm_qemu (d->pid, hg_vm_get_runtime_paths (self)))
        {
          const HgRuntimePaths *paths = hg_vm_get_runtime_paths (self);

          /* QEMU serves one client per QMP socket: a socket in use does not
           * answer (timeout) or refuses (its backlog is full).  A refusal
           * may also be QEMU still finishing an earlier client: retried. */
          if (refused && ++d->attempts < ATTACH_ATTEMPTS)
            g_debug ("VM '%s': QMP open failed (%s), trying again", self->config->label,
                     error->message);
          else if (!d->tried_other)
            {
              d->tried_other = TRUE;
              d->attempts = 0;
              d->qmp_path = d->qmp_path == paths->qmp ? paths->qmp_ctl : paths->qmp;
              g_debug ("VM '%s': QMP socket busy (%s), trying %s", self->config->label,
                       error->message, d->qmp_path);
            }
          else
            {
              /* both silent: it is ours by pid and command line; watch it
               * without control */
              g_error_free (error);
              attach_unresponsive (task, _("neither QMP socket answers (held by other clients, "
                                           "or QEMU hangs)"));
              return;
            }
          g_error_free (error);
          open_qmp (task);
          return;
        }
      attach_failed (task, error);
      return;
    }
  hg_qmp_query_name_async (d->qmp, g_task_get_cancellable (task), on_attach_name,
                           g_object_ref (task));
}

void
hg_vm_attach_async (HgVm               *self,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  AttachData *d;
  GPid pid = 0;

  g_return_if_fail (HG_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_attach_async);
  d = g_new0 (AttachData, 1);
  d->pidfd = -1;
  g_task_set_task_data (task, d, (GDestroyNotify) attach_data_free);

  if (self->qmp != NULL && hg_qmp_client_is_connected (self->qmp))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!g_file_test (hg_vm_get_runtime_paths (self)->dir, G_FILE_TEST_IS_DIR))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  if (!hg_process_read_pidfile (hg_vm_get_runtime_paths (self)->pidfile, &pid, &error))
    {
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("VM '%s': no pidfile in %s", self->config->label, hg_vm_get_runtime_paths (self)->dir);
      clean_stale (self, FALSE);
      g_task_return_boolean (task, FALSE);
      return;
    }
  d->pidfd = -1;
  pid = hg_process_open_running (hg_vm_get_runtime_paths (self), &d->pidfd, NULL);
  if (pid == 0)
    {
      /* dead, or an unrelated process that got the pid: never touched */
      g_debug ("VM '%s': the pid in %s is not its QEMU", self->config->label,
               hg_vm_get_runtime_paths (self)->pidfile);
      clean_stale (self, TRUE);
      g_task_return_boolean (task, FALSE);
      return;
    }
  d->pid = pid;
  if (hg_proc_pid_is_stopped (pid))
    {
      /* connecting would only wait for a greeting that cannot come */
      attach_unresponsive (task, _("QEMU is stopped by a signal (SIGSTOP or a debugger)"));
      return;
    }
  d->qmp_path = self->control_client ? hg_vm_get_runtime_paths (self)->qmp_ctl
                                     : hg_vm_get_runtime_paths (self)->qmp;
  open_qmp (task);
}

gboolean
hg_vm_attach_finish (HgVm          *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_vm_attach_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Not running: a crash recorded in the runtime dir (by whoever saw it)
 * shows until the next start. */
static void
refresh_settle (HgVm *self)
{
  g_autofree char *crash = NULL;
  g_autofree char *tail = NULL;

  if (self->state != HG_VM_STATE_STOPPED || !hg_vm_has_runtime_dir (self))
    return;
  crash = _hg_vm_read_crash (self);
  if (crash == NULL)
    return;
  tail = hg_proc_log_tail (hg_vm_get_runtime_paths (self)->log, HG_VM_LOG_TAIL_LINES);
  _hg_vm_set_log_tail (self, tail);
  _hg_vm_set_state (self, HG_VM_STATE_CRASHED, crash);
}

static void
on_refresh_attached (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

HgVmState
hg_vm_refresh_state (HgVm    *self,
                     GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_ref_thread_default ();

  g_return_val_if_fail (HG_IS_VM (self), HG_VM_STATE_STOPPED);

  hg_vm_attach_async (self, NULL, on_refresh_attached, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);

  hg_vm_attach_finish (self, result, error);
  refresh_settle (self);
  return self->state;
}

typedef struct {
  guint pending;
} RefreshAll;

static void
on_refresh_one (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RefreshAll *all = user_data;
  g_autoptr(GError) error = NULL;

  if (!hg_vm_attach_finish (HG_VM (source), result, &error) && error != NULL)
    g_debug ("VM '%s': %s", hg_vm_get_label (HG_VM (source)), error->message);
  refresh_settle (HG_VM (source));
  all->pending--;
}

void
hg_vm_refresh_states (HgVm * const *vms,
                      guint         n_vms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  RefreshAll all = { n_vms };

  for (guint i = 0; i < n_vms; i++)
    hg_vm_attach_async (vms[i], NULL, on_refresh_one, &all);
  while (all.pending > 0)
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);
}

void
hg_vm_set_control_client (HgVm     *self,
                          gboolean  control_client)
{
  g_return_if_fail (HG_IS_VM (self));
  self->control_client = control_client;
}

void
hg_vm_set_attach_timeout (HgVm  *self,
                          guint  timeout_ms)
{
  g_return_if_fail (HG_IS_VM (self));
  self->attach_timeout_ms = timeout_ms > 0 ? timeout_ms : HG_VM_ATTACH_TIMEOUT_MS;
}

void
hg_vm_detach (HgVm *self)
{
  g_return_if_fail (HG_IS_VM (self));

  _hg_vm_stop_watching_process (self);
  _hg_vm_drop_qmp (self);
  self->qmp_busy = FALSE;
  _hg_vm_set_pid (self, 0);
  _hg_vm_set_state (self, HG_VM_STATE_STOPPED, _("detached"));
}
