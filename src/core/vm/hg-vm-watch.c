/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "hg-install-phase.h"
#include "hg-vm-private.h"

/* How often the process is looked at when there is no pidfd. */
#define PROC_POLL_MS 500

/* ---- the end of a QEMU ------------------------------------------------- */

/* The reason another process wrote when it stopped the VM on purpose. */
static char *
read_exit_reason (HgVm *self)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (hg_vm_get_runtime_paths (self)->exit_reason, &text, &len, NULL) ||
      len == 0 || len > 512 || !g_utf8_validate (text, (gssize) len, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&text));
}

void
_hg_vm_record_crash (HgVm       *self,
                     const char *reason)
{
  const HgRuntimePaths *paths = hg_vm_get_runtime_paths (self);

  if (hg_runtime_check_path_safe (paths->crashed, FALSE, NULL) &&
      g_file_test (paths->dir, G_FILE_TEST_IS_DIR))
    g_file_set_contents_full (paths->crashed, reason, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
}

char *
_hg_vm_read_crash (HgVm *self)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *path = hg_vm_get_runtime_paths (self)->crashed;

  if (!hg_runtime_check_path_safe (path, FALSE, NULL) ||
      !g_file_get_contents (path, &text, &len, NULL) ||
      len == 0 || len > 4096 || !g_utf8_validate (text, (gssize) len, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&text));
}

static void
on_installed_start (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HgVm *self = HG_VM (source);
  g_autoptr(GError) error = NULL;

  (void) user_data;
  if (!hg_vm_start_finish (self, result, &error))
    {
      g_autofree char *reason = g_strdup_printf (_("installed, but the start from its disk "
                                                   "failed: %s"), error->message);
      _hg_vm_set_state (self, HG_VM_STATE_STOPPED, reason);
    }
}

/* The end of an express install: the guest ended QEMU itself (the
 * installer's reboot under -no-reboot, or a power-off), not a stop or a
 * kill.  The media go and the VM boots from its disk (hg-install-phase.h);
 * FALSE when another Hangar watching the VM did it, or it failed. */
static gboolean
complete_install (HgVm *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) on_disk = hg_vm_config_load (self->config->path, NULL);

  if (on_disk == NULL || !hg_install_phase_active (on_disk) ||
      g_strcmp0 (on_disk->uuid, self->config->uuid) != 0)
    return FALSE;
  if (!hg_install_phase_complete (self->config, &error))
    {
      g_warning ("%s: ending the express install: %s", self->config->label, error->message);
      return FALSE;
    }
  return TRUE;
}

/* QEMU is gone: clean its runtime dir, keep its log tail, settle the state.
 * why: "killed by signal 9", "exit status 1" or NULL when unknown. */
void
_hg_vm_process_gone (HgVm       *self,
                     const char *why)
{
  g_autofree char *tail = NULL;
  g_autofree char *reason = NULL;
  GPid pidfile_pid = 0;
  HgVmState state;
  gboolean installed;
  int lock;

  g_object_freeze_notify (G_OBJECT (self));
  _hg_vm_stop_watching_process (self);
  _hg_vm_drop_qmp (self);
  if (self->expected_exit == NULL && !self->shutdown_seen)
    self->expected_exit = read_exit_reason (self);

  /* Its leftovers, unless someone else already started the VM again */
  lock = hg_process_lock (hg_vm_get_runtime_paths (self), self->config->label, NULL);
  if (lock >= 0)
    {
      if (!hg_process_read_pidfile (hg_vm_get_runtime_paths (self)->pidfile, &pidfile_pid, NULL) ||
          pidfile_pid == self->pid)
        hg_process_clean_runtime (hg_vm_get_runtime_paths (self), NULL);
      hg_process_unlock (lock);
    }

  tail = hg_proc_log_tail (hg_vm_get_runtime_paths (self)->log, HG_VM_LOG_TAIL_LINES);
  _hg_vm_set_log_tail (self, tail);

  if (self->expected_exit != NULL)
    {
      state = HG_VM_STATE_STOPPED;
      reason = g_strdup (self->expected_exit);
    }
  else if (self->shutdown_seen)
    {
      state = HG_VM_STATE_STOPPED;
      reason = g_strdup (_("guest powered off"));
    }
  else
    {
      state = HG_VM_STATE_CRASHED;
      if (why != NULL)
        reason = g_strdup_printf (_("QEMU exited unexpectedly (%s)"), why);
      else
        reason = g_strdup (_("QEMU exited unexpectedly"));
    }
  if (state == HG_VM_STATE_CRASHED)
    _hg_vm_record_crash (self, reason);
  installed = state == HG_VM_STATE_STOPPED && self->expected_exit == NULL && self->guest_ended &&
              !self->stop_asked && hg_install_phase_active (self->config);
  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  self->guest_ended = FALSE;
  self->stop_asked = FALSE;
  self->qmp_busy = FALSE;
  _hg_vm_set_pid (self, 0);
  if (installed && (installed = complete_install (self)))
    {
      g_free (reason);
      reason = g_strdup (_("installed: the install media are removed, it starts from its disk"));
    }
  _hg_vm_set_state (self, state, reason);
  g_object_thaw_notify (G_OBJECT (self));
  if (installed)
    hg_vm_start_async (self, HG_BOOT_DISK, HG_VM_START_NONE, NULL, on_installed_start, NULL);
}

static void
on_subprocess_exited (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GSubprocess *sub = G_SUBPROCESS (source);
  g_autoptr(HgVm) self = user_data;
  g_autofree char *why = NULL;

  if (!g_subprocess_wait_finish (sub, result, NULL))
    return;   /* cancelled */
  if (self->subprocess != sub)
    return;
  if (g_subprocess_get_if_signaled (sub))
    why = g_strdup_printf (_("killed by signal %d, %s"), g_subprocess_get_term_sig (sub),
                           g_strsignal (g_subprocess_get_term_sig (sub)));
  else
    why = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (sub));
  _hg_vm_process_gone (self, why);
}

static gboolean
on_pidfd_ready (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  HgVm *self = user_data;

  /* Our own child is reaped through GSubprocess, which also gives the exit
   * status; wait for that one. */
  if (self->subprocess != NULL)
    {
      g_clear_pointer (&self->exit_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&self->exit_source, g_source_unref);
  _hg_vm_process_gone (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_proc_poll (gpointer user_data)
{
  HgVm *self = user_data;

  if (self->subprocess != NULL || hg_process_pid_is_vm_qemu (self->pid, hg_vm_get_runtime_paths (self)))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->exit_source, g_source_unref);
  _hg_vm_process_gone (self, NULL);
  return G_SOURCE_REMOVE;
}

void
_hg_vm_stop_watching_process (HgVm *self)
{
  if (self->exit_source != NULL)
    g_source_destroy (self->exit_source);
  g_clear_pointer (&self->exit_source, g_source_unref);
  if (self->pidfd >= 0)
    close (self->pidfd);
  self->pidfd = -1;
  if (self->wait_cancel != NULL)
    g_cancellable_cancel (self->wait_cancel);
  g_clear_object (&self->wait_cancel);
  g_clear_object (&self->subprocess);
}

void
_hg_vm_watch_process (HgVm        *self,
                      GPid         pid,
                      int          pidfd,
                      GSubprocess *subprocess)
{
  _hg_vm_stop_watching_process (self);
  _hg_vm_set_pid (self, pid);
  self->pidfd = pidfd >= 0 ? pidfd : hg_proc_pidfd_open (pid);
  if (self->pidfd >= 0)
    {
      self->exit_source = g_unix_fd_source_new (self->pidfd, G_IO_IN);
      g_source_set_callback (self->exit_source, G_SOURCE_FUNC (on_pidfd_ready), self, NULL);
    }
  else
    {
      self->exit_source = g_timeout_source_new (PROC_POLL_MS);
      g_source_set_callback (self->exit_source, on_proc_poll, self, NULL);
    }
  g_source_attach (self->exit_source, g_main_context_get_thread_default ());
  if (subprocess != NULL)
    {
      self->subprocess = g_object_ref (subprocess);
      self->wait_cancel = g_cancellable_new ();
      g_subprocess_wait_async (subprocess, self->wait_cancel, on_subprocess_exited,
                               g_object_ref (self));
    }
}

/* ---- waiting for the end ----------------------------------------------- */

typedef struct {
  gulong   handler;
  GSource *timeout;
} WaitData;

static void
wait_data_free (WaitData *w)
{
  if (w->timeout != NULL)
    g_source_destroy (w->timeout);
  g_clear_pointer (&w->timeout, g_source_unref);
  g_free (w);
}

static void
wait_finish_now (GTask  *task,
                 GError *error)
{
  HgVm *self = g_task_get_source_object (task);
  WaitData *w = g_task_get_task_data (task);

  if (w->handler != 0)
    g_signal_handler_disconnect (self, w->handler);
  w->handler = 0;
  if (w->timeout != NULL)
    g_source_destroy (w->timeout);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);   /* the reference held by the handler/timeout */
}

static void
on_wait_state (HgVm       *self,
               GParamSpec *pspec,
               gpointer    user_data)
{
  GTask *task = user_data;

  if (!hg_vm_is_active (self))
    wait_finish_now (task, NULL);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  GTask *task = user_data;
  HgVm *self = g_task_get_source_object (task);

  wait_finish_now (task, g_error_new (HG_PROCESS_ERROR, HG_PROCESS_ERROR_TIMEOUT,
                                      _("VM '%s' did not stop in time"), self->config->label));
  return G_SOURCE_REMOVE;
}

void
_hg_vm_wait_gone_async (HgVm               *self,
                        guint               timeout_ms,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  GTask *task;
  WaitData *w;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _hg_vm_wait_gone_async);
  if (!hg_vm_is_active (self))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  w = g_new0 (WaitData, 1);
  g_task_set_task_data (task, w, (GDestroyNotify) wait_data_free);
  w->handler = g_signal_connect (self, "notify::state", G_CALLBACK (on_wait_state), task);
  w->timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (w->timeout, on_wait_timeout, task, NULL);
  g_source_attach (w->timeout, g_task_get_context (task));
  /* task's initial reference is owned by the pending handler/timeout */
}

gboolean
_hg_vm_wait_gone_finish (HgVm         *self,
                         GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
