/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "hg-vm-private.h"

/* How often the process is looked at when there is no pidfd. */
#define PROC_POLL_MS 500
/* Greeting timeout when attaching to a VM somebody else started. */
#define ATTACH_GREETING_TIMEOUT_MS 2000

G_DEFINE_ENUM_TYPE (HgVmState, hg_vm_state,
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_PAUSED, "paused"),
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_SHUTTING_DOWN, "shutting-down"),
  G_DEFINE_ENUM_VALUE (HG_VM_STATE_CRASHED, "crashed"))

const char *
hg_vm_state_to_string (HgVmState state)
{
  static const char *const names[] = {
    "stopped", "starting", "running", "paused", "shutting-down", "crashed",
  };

  if ((guint) state < G_N_ELEMENTS (names))
    return names[state];
  return "unknown";
}

G_DEFINE_FINAL_TYPE (HgVm, hg_vm, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_RUNTIME_ROOT,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_LOG_TAIL,
  PROP_PID,
  N_PROPS
};

enum {
  SIGNAL_QMP_EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void drop_qmp (HgVm *self);
static void stop_watching_process (HgVm *self);

/* ---- state ------------------------------------------------------------- */

void
hg_vm_set_state (HgVm       *self,
                 HgVmState   state,
                 const char *reason)
{
  gboolean changed_state = self->state != state;
  gboolean changed_reason = g_strcmp0 (self->state_reason, reason) != 0;

  if (changed_reason)
    {
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason);
    }
  self->state = state;
  g_debug ("VM '%s': %s (%s)", self->config->label, hg_vm_state_to_string (state),
           reason != NULL ? reason : "");
  if (changed_reason)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_REASON]);
  if (changed_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_pid (HgVm *self,
         GPid  pid)
{
  if (self->pid == pid)
    return;
  self->pid = pid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
}

static void
set_log_tail (HgVm       *self,
              const char *tail)
{
  if (g_strcmp0 (self->log_tail, tail) == 0)
    return;
  g_free (self->log_tail);
  self->log_tail = g_strdup (tail);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_TAIL]);
}

void
hg_vm_expect_exit (HgVm       *self,
                   const char *reason)
{
  g_free (self->expected_exit);
  self->expected_exit = g_strdup (reason);
  /* for the other processes that watch this VM (a window, hangarctl) */
  if (reason != NULL)
    g_file_set_contents (self->paths->exit_reason, reason, -1, NULL);
  else
    g_unlink (self->paths->exit_reason);
}

/* The reason another process wrote when it stopped the VM on purpose. */
static char *
read_exit_reason (HgVm *self)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (self->paths->exit_reason, &text, &len, NULL) ||
      len == 0 || len > 512 || !g_utf8_validate (text, (gssize) len, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&text));
}

gboolean
hg_vm_is_active (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), FALSE);

  return self->state == HG_VM_STATE_STARTING ||
         self->state == HG_VM_STATE_RUNNING ||
         self->state == HG_VM_STATE_PAUSED ||
         self->state == HG_VM_STATE_SHUTTING_DOWN;
}

HgQmpClient *
hg_vm_require_qmp (HgVm    *self,
                   GError **error)
{
  if (self->qmp != NULL && hg_qmp_client_is_connected (self->qmp))
    return self->qmp;
  if (self->qmp_busy)
    g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                 _("VM '%s' is running, but its QMP socket is in use by another client"),
                 self->config->label);
  else
    g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                 _("VM '%s' is not running"), self->config->label);
  return NULL;
}

/* ---- the end of a QEMU ------------------------------------------------- */

/* QEMU is gone: clean its runtime dir, keep its log tail, settle the state.
 * why: "killed by signal 9", "exit status 1" or NULL when unknown. */
static void
process_gone (HgVm       *self,
              const char *why)
{
  g_autofree char *tail = NULL;
  g_autofree char *reason = NULL;
  GPid pidfile_pid = 0;
  HgVmState state;
  int lock;

  g_object_freeze_notify (G_OBJECT (self));
  stop_watching_process (self);
  drop_qmp (self);
  if (self->expected_exit == NULL && !self->shutdown_seen)
    self->expected_exit = read_exit_reason (self);

  /* Its leftovers, unless someone else already started the VM again */
  lock = hg_process_lock (self->paths, self->config->label, NULL);
  if (lock >= 0)
    {
      if (!hg_process_read_pidfile (self->paths->pidfile, &pidfile_pid, NULL) ||
          pidfile_pid == self->pid)
        hg_process_clean_runtime (self->paths, NULL);
      hg_process_unlock (lock);
    }

  tail = hg_process_log_tail (self->paths->log, HG_VM_LOG_TAIL_LINES);
  set_log_tail (self, tail);

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
  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  self->qmp_busy = FALSE;
  set_pid (self, 0);
  hg_vm_set_state (self, state, reason);
  g_object_thaw_notify (G_OBJECT (self));
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
  process_gone (self, why);
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
  process_gone (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_proc_poll (gpointer user_data)
{
  HgVm *self = user_data;

  if (self->subprocess != NULL || hg_process_pid_is_vm_qemu (self->pid, self->paths))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->exit_source, g_source_unref);
  process_gone (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
stop_watching_process (HgVm *self)
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

static void
watch_process (HgVm        *self,
               GPid         pid,
               GSubprocess *subprocess)
{
  stop_watching_process (self);
  set_pid (self, pid);
  self->pidfd = hg_process_pidfd_open (pid);
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

/* ---- QMP events -------------------------------------------------------- */

static void
on_quit_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    g_debug ("quit after SHUTDOWN: %s", error->message);
}

static void
on_qmp_event (HgQmpClient *client,
              const char  *name,
              JsonObject  *data,
              gint64       timestamp_us,
              gpointer     user_data)
{
  HgVm *self = user_data;

  if (g_str_equal (name, "STOP"))
    {
      if (self->state == HG_VM_STATE_RUNNING)
        hg_vm_set_state (self, HG_VM_STATE_PAUSED, _("paused"));
    }
  else if (g_str_equal (name, "RESUME"))
    {
      if (self->state == HG_VM_STATE_PAUSED || self->state == HG_VM_STATE_STARTING)
        hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
    }
  else if (g_str_equal (name, "SHUTDOWN"))
    {
      const char *why = json_object_get_string_member_with_default (data, "reason", NULL);
      gboolean guest = json_object_get_boolean_member_with_default (data, "guest", FALSE);
      g_autofree char *reason = NULL;

      self->shutdown_seen = TRUE;
      reason = guest ? g_strdup (_("guest is powering off"))
                     : g_strdup_printf (_("QEMU is shutting down (%s)"), why ? why : "host");
      hg_vm_set_state (self, HG_VM_STATE_SHUTTING_DOWN, reason);
      /* With -no-shutdown QEMU would stay; make sure it goes. */
      hg_qmp_quit_async (client, NULL, on_quit_done, NULL);
    }

  g_signal_emit (self, signals[SIGNAL_QMP_EVENT], g_quark_from_string (name), name, data);
}

static void
on_qmp_disconnected (HgQmpClient  *client,
                     const GError *error,
                     gpointer      user_data)
{
  HgVm *self = user_data;

  g_debug ("VM '%s': QMP gone: %s", self->config->label, error ? error->message : "");
  /* The process watch settles the state; the end of QEMU follows at once. */
  drop_qmp (self);
  if (self->pid == 0 && hg_vm_is_active (self))
    process_gone (self, NULL);
}

static void
drop_qmp (HgVm *self)
{
  hg_vm_unwatch_switches (self);
  if (self->qmp == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->qmp, self);
  hg_qmp_client_close (self->qmp);
  g_clear_object (&self->qmp);
}

static void
adopt_qmp (HgVm        *self,
           HgQmpClient *qmp)
{
  drop_qmp (self);
  self->qmp = g_object_ref (qmp);
  self->qmp_busy = FALSE;
  g_signal_connect (qmp, "event", G_CALLBACK (on_qmp_event), self);
  g_signal_connect (qmp, "disconnected", G_CALLBACK (on_qmp_disconnected), self);
  hg_vm_watch_switches (self);
}

/* ---- object ------------------------------------------------------------ */

static void
hg_vm_constructed (GObject *object)
{
  HgVm *self = HG_VM (object);

  G_OBJECT_CLASS (hg_vm_parent_class)->constructed (object);
  g_assert (self->config != NULL);
  self->paths = hg_process_runtime_paths_for_config (self->config, self->runtime_root);
}

static void
hg_vm_dispose (GObject *object)
{
  HgVm *self = HG_VM (object);

  stop_watching_process (self);
  drop_qmp (self);
  G_OBJECT_CLASS (hg_vm_parent_class)->dispose (object);
}

static void
hg_vm_finalize (GObject *object)
{
  HgVm *self = HG_VM (object);

  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  g_clear_pointer (&self->paths, hg_runtime_paths_free);
  g_free (self->runtime_root);
  g_free (self->state_reason);
  g_free (self->log_tail);
  g_free (self->expected_exit);
  G_OBJECT_CLASS (hg_vm_parent_class)->finalize (object);
}

static void
hg_vm_get_property (GObject    *object,
                    guint       prop_id,
                    GValue     *value,
                    GParamSpec *pspec)
{
  HgVm *self = HG_VM (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_boxed (value, self->config);
      break;
    case PROP_RUNTIME_ROOT:
      g_value_set_string (value, self->paths != NULL ? self->paths->root : self->runtime_root);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_LOG_TAIL:
      g_value_set_string (value, self->log_tail);
      break;
    case PROP_PID:
      g_value_set_int (value, (int) self->pid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_set_property (GObject      *object,
                    guint         prop_id,
                    const GValue *value,
                    GParamSpec   *pspec)
{
  HgVm *self = HG_VM (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_boxed (value);
      break;
    case PROP_RUNTIME_ROOT:
      self->runtime_root = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_class_init (HgVmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hg_vm_constructed;
  object_class->dispose = hg_vm_dispose;
  object_class->finalize = hg_vm_finalize;
  object_class->get_property = hg_vm_get_property;
  object_class->set_property = hg_vm_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_boxed ("config", NULL, NULL, HG_TYPE_VM_CONFIG,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNTIME_ROOT] =
    g_param_spec_string ("runtime-root", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HG_TYPE_VM_STATE, HG_VM_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_REASON] =
    g_param_spec_string ("state-reason", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_TAIL] =
    g_param_spec_string ("log-tail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_QMP_EVENT] =
    g_signal_new ("qmp-event", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
}

static void
hg_vm_init (HgVm *self)
{
  self->pidfd = -1;
  self->state = HG_VM_STATE_STOPPED;
}

HgVm *
hg_vm_new_for_config (HgVmConfig *config)
{
  return hg_vm_new_full (config, NULL, NULL);
}

HgVm *
hg_vm_new_full (HgVmConfig *config,
                const char *runtime_root,
                HgHostCaps *caps)
{
  HgVm *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (config->label != NULL, NULL);

  self = g_object_new (HG_TYPE_VM, "config", config, "runtime-root", runtime_root, NULL);
  if (caps != NULL)
    self->caps = hg_host_caps_ref (caps);
  return self;
}

HgVmConfig *
hg_vm_get_config (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->config;
}

const char *
hg_vm_get_label (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->config->label;
}

const HgRuntimePaths *
hg_vm_get_runtime_paths (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->paths;
}

HgVmState
hg_vm_get_state (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), HG_VM_STATE_STOPPED);
  return self->state;
}

const char *
hg_vm_get_state_reason (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->state_reason;
}

const char *
hg_vm_get_log_tail (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->log_tail;
}

GPid
hg_vm_get_pid (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), 0);
  return self->pid;
}

const char *
hg_vm_get_serial_path (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->paths->serial;
}

HgQmpClient *
hg_vm_get_qmp_client (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->qmp;
}

/* ---- start ------------------------------------------------------------- */

static void
on_process_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(HgQmpClient) qmp = NULL;
  GError *error = NULL;
  GPid pid = 0;
  gboolean paused = GPOINTER_TO_INT (g_task_get_task_data (task));

  qmp = hg_process_start_finish (result, &sub, &pid, &error);
  if (qmp == NULL)
    {
      g_autofree char *tail = hg_process_log_tail (self->paths->log, HG_VM_LOG_TAIL_LINES);

      if (g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_EXITED) ||
          g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_TIMEOUT))
        set_log_tail (self, tail);
      hg_vm_set_state (self, HG_VM_STATE_STOPPED, error->message);
      g_task_return_error (task, error);
      return;
    }
  g_object_freeze_notify (G_OBJECT (self));
  adopt_qmp (self, qmp);
  watch_process (self, pid, sub);
  hg_vm_set_state (self, paused ? HG_VM_STATE_PAUSED : HG_VM_STATE_RUNNING,
                   paused ? _("started paused") : NULL);
  g_object_thaw_notify (G_OBJECT (self));
  g_task_return_boolean (task, TRUE);
}

void
hg_vm_start_async (HgVm               *self,
                   HgBootMode          boot_mode,
                   HgVmStartFlags      flags,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HG_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_start_async);
  g_task_set_task_data (task, GINT_TO_POINTER ((flags & HG_VM_START_PAUSED) != 0), NULL);

  if (hg_vm_is_active (self))
    {
      if (self->state == HG_VM_STATE_STARTING)
        g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                                 _("VM '%s' is already starting"), self->config->label);
      else
        g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING,
                                 _("VM '%s' is already running (pid %d)"),
                                 self->config->label, (int) self->pid);
      return;
    }
  if (self->caps == NULL)
    self->caps = hg_host_caps_probe ();

  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  set_log_tail (self, NULL);
  hg_vm_set_state (self, HG_VM_STATE_STARTING, NULL);
  hg_process_start_async (self->config, boot_mode, self->paths, self->caps,
                          (flags & HG_VM_START_PAUSED) ? HG_PROCESS_START_PAUSED : HG_PROCESS_START_NONE,
                          cancellable, on_process_started, g_object_ref (task));
}

gboolean
hg_vm_start_finish (HgVm          *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_vm_start_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

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
  int lock = hg_process_lock (self->paths, self->config->label, NULL);

  if (lock < 0)
    return;
  if (hg_process_find_running (self->paths) == 0)
    hg_process_clean_runtime (self->paths, NULL);
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
  adopt_qmp (self, d->qmp);
  g_clear_object (&d->qmp);
  watch_process (self, d->pid, NULL);
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
                               (int) d->pid, self->paths->dir, self->config->label,
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

      if ((timeout || refused) && hg_process_pid_is_vm_qemu (d->pid, self->paths))
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
              d->qmp_path = d->qmp_path == self->paths->qmp ? self->paths->qmp_ctl
                                                             : self->paths->qmp;
              g_debug ("VM '%s': QMP socket busy (%s), trying %s", self->config->label,
                       error->message, d->qmp_path);
            }
          else
            {
              /* both in use: it is ours by pid and command line; watch it
               * without control */
              g_clear_object (&d->qmp);
              watch_process (self, d->pid, NULL);
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
      if (!hg_process_pid_is_vm_qemu (d->pid, self->paths))
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
  if (!g_file_test (self->paths->dir, G_FILE_TEST_IS_DIR))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  if (!hg_process_read_pidfile (self->paths->pidfile, &pid, &error))
    {
      if (error != NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_debug ("VM '%s': no pidfile in %s", self->config->label, self->paths->dir);
      clean_stale (self);
      g_task_return_boolean (task, FALSE);
      return;
    }
  if (!hg_process_pid_is_vm_qemu (pid, self->paths))
    {
      /* dead, or an unrelated process that got the pid: never touched */
      g_debug ("VM '%s': pid %d in %s is not its QEMU", self->config->label, (int) pid,
               self->paths->pidfile);
      clean_stale (self);
      g_task_return_boolean (task, FALSE);
      return;
    }
  d->pid = pid;
  d->qmp_path = self->control_client ? self->paths->qmp_ctl : self->paths->qmp;
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

  stop_watching_process (self);
  drop_qmp (self);
  self->qmp_busy = FALSE;
  set_pid (self, 0);
  hg_vm_set_state (self, HG_VM_STATE_STOPPED, _("detached"));
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
hg_vm_wait_gone_async (HgVm               *self,
                       guint               timeout_ms,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask *task;
  WaitData *w;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_wait_gone_async);
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
hg_vm_wait_gone_finish (HgVm          *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
