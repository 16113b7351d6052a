/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "hg-vm-private.h"

/* Greeting timeout when attaching to a VM somebody else started. */
#define ATTACH_GREETING_TIMEOUT_MS 2000

/* ---- attach ------------------------------------------------------------ */

typedef struct {
  GPid         pid;
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
  g_free (d->name);
  g_free (d);
}

/* Leftovers of a dead VM go, unless a start holds the lock. */
static void
clean_stale (HgVm *self)
{
  int lock = hg_process_lock (hg_vm_get_runtime_paths (self), self->config->label, NULL);

  if (lock < 0)
    return;
  if (hg_process_find_running (hg_vm_get_runtime_paths (self)) == 0)
    hg_process_clean_runtime (hg_vm_get_runtime_paths (self), NULL);
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
  hg_vm_adopt_qmp (self, d->qmp);
  g_clear_object (&d->qmp);
  hg_vm_watch_process (self, d->pid, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

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
      g_task_return_error (task, error);
      return;
    }
  attach_done (task);
  if (running)
    hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
  else if (g_strcmp0 (status, "shutdown") == 0)
    hg_vm_set_state (self, HG_VM_STATE_SHUTTING_DOWN, _("guest powered off"));
  else
    hg_vm_set_state (self, HG_VM_STATE_PAUSED, status);
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
      g_task_return_error (task, error);
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
      g_task_return_error (task, error);
      return;
    }
  hg_qmp_query_uuid_async (d->qmp, g_task_get_cancellable (task), on_attach_uuid,
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
  g_autoptr(GError) error = NULL;

  if (!hg_qmp_client_open_finish (HG_QMP_CLIENT (source), result, &error))
    {
      gboolean timeout = g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT);
      gboolean refused = g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED) ||
                         g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_CONNECT);

      if ((timeout || refused) && hg_process_pid_is_vm_qemu (d->pid, hg_vm_get_runtime_paths (self)))
        {
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
              d->qmp_path = d->qmp_path == hg_vm_get_runtime_paths (self)->qmp ? hg_vm_get_runtime_paths (self)->qmp_ctl
                                                             : hg_vm_get_runtime_paths (self)->qmp;
              g_debug ("VM '%s': QMP socket busy (%s), trying %s", self->config->label,
                       error->message, d->qmp_path);
            }
          else
            {
              /* both in use: it is ours by pid and command line; watch it
               * without control */
              g_clear_object (&d->qmp);
              hg_vm_watch_process (self, d->pid, NULL);
              self->qmp_busy = TRUE;
              hg_vm_set_state (self, HG_VM_STATE_RUNNING, _("QMP in use by other clients"));
              g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                                       _("VM '%s' is running (pid %d), but both of its QMP "
                                         "sockets are in use by other clients"),
                                       self->config->label, (int) d->pid);
              return;
            }
          g_clear_object (&d->qmp);
          d->qmp = hg_qmp_client_new (d->qmp_path);
          hg_qmp_client_set_greeting_timeout (d->qmp, ATTACH_GREETING_TIMEOUT_MS);
          hg_qmp_client_open_async (d->qmp, g_task_get_cancellable (task), on_attach_open,
                                    g_object_ref (task));
          return;
        }
      if (!hg_process_pid_is_vm_qemu (d->pid, hg_vm_get_runtime_paths (self)))
        {
          /* it died meanwhile */
          g_debug ("VM '%s': QEMU (pid %d) went away while attaching", self->config->label, (int) d->pid);
          clean_stale (self);
          g_task_return_boolean (task, FALSE);
          return;
        }
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                               _("Cannot talk to VM '%s' (pid %d) over %s: %s"),
                               self->config->label, (int) d->pid, d->qmp_path, error->message);
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
      clean_stale (self);
      g_task_return_boolean (task, FALSE);
      return;
    }
  if (!hg_process_pid_is_vm_qemu (pid, hg_vm_get_runtime_paths (self)))
    {
      /* dead, or an unrelated process that got the pid: never touched */
      g_debug ("VM '%s': pid %d in %s is not its QEMU", self->config->label, (int) pid,
               hg_vm_get_runtime_paths (self)->pidfile);
      clean_stale (self);
      g_task_return_boolean (task, FALSE);
      return;
    }
  d->pid = pid;
  d->qmp_path = self->control_client ? hg_vm_get_runtime_paths (self)->qmp_ctl : hg_vm_get_runtime_paths (self)->qmp;
  d->qmp = hg_qmp_client_new (d->qmp_path);
  hg_qmp_client_set_greeting_timeout (d->qmp, ATTACH_GREETING_TIMEOUT_MS);
  hg_qmp_client_open_async (d->qmp, cancellable, on_attach_open, g_object_ref (task));
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
hg_vm_detach (HgVm *self)
{
  g_return_if_fail (HG_IS_VM (self));

  hg_vm_stop_watching_process (self);
  hg_vm_drop_qmp (self);
  self->qmp_busy = FALSE;
  hg_vm_set_pid (self, 0);
  hg_vm_set_state (self, HG_VM_STATE_STOPPED, _("detached"));
}
