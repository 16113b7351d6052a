/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <glib/gstdio.h>

#include <signal.h>

#include <glib/gi18n-lib.h>

#include "hg-proc.h"
#include "hg-vm-private.h"

const char *
hg_vm_state_to_string (HgVmState state)
{
  const char *nick = hg_enum_to_nick (HG_TYPE_VM_STATE, (int) state);

  return nick != NULL ? nick : "unknown";
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
  PROP_UPTIME,
  PROP_ACCEL_IN_USE,
  PROP_RESPONDING,
  PROP_CONFIG_STALE,
  PROP_SAME_UUID_AS,
  N_PROPS
};

enum {
  SIGNAL_QMP_EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- state ------------------------------------------------------------- */

void
_hg_vm_set_state (HgVm       *self,
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

void
_hg_vm_set_pid (HgVm *self,
                GPid  pid)
{
  if (self->pid == pid)
    return;
  self->pid = pid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPTIME]);
}

static gboolean
set_string (HgVm       *self,
            char      **field,
            const char *value,
            guint       prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

void
_hg_vm_set_host_caps (HgVm       *self,
                      HgHostCaps *caps)
{
  if (self->caps == caps)
    return;
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  self->caps = caps != NULL ? hg_host_caps_ref (caps) : NULL;
}

void
_hg_vm_set_accel_in_use (HgVm       *self,
                         const char *accel)
{
  set_string (self, &self->accel_in_use, accel, PROP_ACCEL_IN_USE);
}

void
_hg_vm_set_same_uuid_as (HgVm       *self,
                         const char *path)
{
  set_string (self, &self->same_uuid_as, path, PROP_SAME_UUID_AS);
}

void
_hg_vm_set_config_stale (HgVm    *self,
                         gboolean stale)
{
  if (self->config_stale == !!stale)
    return;
  self->config_stale = !!stale;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG_STALE]);
}

void
_hg_vm_set_not_answering (HgVm    *self,
                          gboolean not_answering)
{
  if (self->not_answering == !!not_answering)
    return;
  self->not_answering = !!not_answering;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESPONDING]);
}

const char *
hg_vm_get_state_name (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);

  if (!hg_vm_is_responding (self))
    return "not-responding";
  return hg_vm_state_to_string (self->state);
}

gint64
hg_vm_get_uptime (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), -1);

  return self->pid > 0 ? hg_proc_pid_uptime (self->pid) : -1;
}

const char *
hg_vm_get_accel_in_use (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->accel_in_use;
}

gboolean
hg_vm_get_config_stale (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), FALSE);
  return self->config_stale;
}

const char *
hg_vm_get_same_uuid_as (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->same_uuid_as;
}

HgHostCaps *
hg_vm_get_host_caps (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->caps;
}

void
_hg_vm_set_log_tail (HgVm       *self,
                     const char *tail)
{
  if (g_strcmp0 (self->log_tail, tail) == 0)
    return;
  g_free (self->log_tail);
  self->log_tail = g_strdup (tail);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_TAIL]);
}

void
_hg_vm_expect_exit (HgVm       *self,
                    const char *reason)
{
  g_free (self->expected_exit);
  self->expected_exit = g_strdup (reason);
  /* for the other processes that watch this VM (a window, hangarctl) */
  if (reason != NULL)
    g_file_set_contents (hg_vm_get_runtime_paths (self)->exit_reason, reason, -1, NULL);
  else
    g_unlink (hg_vm_get_runtime_paths (self)->exit_reason);
}

gboolean
hg_vm_is_responding (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), TRUE);
  return !(hg_vm_is_active (self) && (self->qmp_busy || self->not_answering));
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
_hg_vm_require_qmp (HgVm    *self,
                    GError **error)
{
  if (self->qmp != NULL && hg_qmp_client_is_connected (self->qmp))
    return self->qmp;
  if (self->qmp_busy)
    g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                 _("VM '%s' (pid %d) is running, but does not answer on QMP (%s)"),
                 self->config->label, (int) self->pid,
                 self->state_reason != NULL ? self->state_reason : _("not responding"));
  else
    g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                 _("VM '%s' is not running"), self->config->label);
  return NULL;
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
        _hg_vm_set_state (self, HG_VM_STATE_PAUSED, _("paused"));
    }
  else if (g_str_equal (name, "RESUME"))
    {
      if (self->state == HG_VM_STATE_PAUSED || self->state == HG_VM_STATE_STARTING)
        _hg_vm_set_state (self, HG_VM_STATE_RUNNING, NULL);
    }
  else if (g_str_equal (name, "SHUTDOWN"))
    {
      const char *why = json_object_get_string_member_with_default (data, "reason", NULL);
      gboolean guest = json_object_get_boolean_member_with_default (data, "guest", FALSE);
      g_autofree char *reason = NULL;

      self->shutdown_seen = TRUE;
      self->guest_ended = guest;
      reason = guest ? g_strdup (_("guest is powering off"))
                     : g_strdup_printf (_("QEMU is shutting down (%s)"), why ? why : "host");
      _hg_vm_set_state (self, HG_VM_STATE_SHUTTING_DOWN, reason);
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
  _hg_vm_drop_qmp (self);
  if (self->pid == 0 && hg_vm_is_active (self))
    _hg_vm_process_gone (self, NULL);
}

void
_hg_vm_drop_qmp (HgVm *self)
{
  _hg_vm_unwatch_switches (self);
  if (self->qmp == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->qmp, self);
  hg_qmp_client_close (self->qmp);
  g_clear_object (&self->qmp);
}

void
_hg_vm_adopt_qmp (HgVm        *self,
                  HgQmpClient *qmp)
{
  _hg_vm_drop_qmp (self);
  self->qmp = g_object_ref (qmp);
  self->qmp_busy = FALSE;
  g_signal_connect (qmp, "event", G_CALLBACK (on_qmp_event), self);
  g_signal_connect (qmp, "disconnected", G_CALLBACK (on_qmp_disconnected), self);
  _hg_vm_watch_switches (self);
}

/* ---- object ------------------------------------------------------------ */

static void
hg_vm_constructed (GObject *object)
{
  HgVm *self = HG_VM (object);

  G_OBJECT_CLASS (hg_vm_parent_class)->constructed (object);
  g_assert (self->config != NULL);
  /* the root now (the environment may change); the id (a realpath, a
   * stat and a checksum) and the paths when first asked for
   * (hg_vm_get_runtime_id/_paths): `hangarctl list` of 10,000 VMs looks
   * at the few that have a runtime directory */
  if (self->runtime_root == NULL)
    self->runtime_root = hg_runtime_root ();
}

static void
hg_vm_dispose (GObject *object)
{
  HgVm *self = HG_VM (object);

  _hg_vm_stop_watching_process (self);
  _hg_vm_drop_qmp (self);
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
  g_free (self->runtime_id);
  g_free (self->state_reason);
  g_free (self->log_tail);
  g_free (self->expected_exit);
  g_free (self->accel_in_use);
  g_free (self->same_uuid_as);
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
      g_value_set_string (value, self->runtime_root);
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
    case PROP_UPTIME:
      g_value_set_int64 (value, hg_vm_get_uptime (self));
      break;
    case PROP_ACCEL_IN_USE:
      g_value_set_string (value, self->accel_in_use);
      break;
    case PROP_RESPONDING:
      g_value_set_boolean (value, hg_vm_is_responding (self));
      break;
    case PROP_CONFIG_STALE:
      g_value_set_boolean (value, self->config_stale);
      break;
    case PROP_SAME_UUID_AS:
      g_value_set_string (value, self->same_uuid_as);
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
  properties[PROP_UPTIME] =
    g_param_spec_int64 ("uptime", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCEL_IN_USE] =
    g_param_spec_string ("accel-in-use", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RESPONDING] =
    g_param_spec_boolean ("responding", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIG_STALE] =
    g_param_spec_boolean ("config-stale", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAME_UUID_AS] =
    g_param_spec_string ("same-uuid-as", NULL, NULL, NULL,
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
  self->attach_timeout_ms = HG_VM_ATTACH_TIMEOUT_MS;
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

/* Made on first use, on the main thread (as every use of an HgVm) */
const HgRuntimePaths *
hg_vm_get_runtime_paths (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);

  if (self->paths == NULL)
    self->paths = hg_runtime_paths_new (self->runtime_root, hg_vm_get_runtime_id (self));
  return self->paths;
}

const char *
hg_vm_get_runtime_id (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);

  if (self->runtime_id == NULL)
    self->runtime_id = hg_process_runtime_id (self->config);
  return self->runtime_id;
}

gboolean
hg_vm_has_runtime_dir (HgVm *self)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (HG_IS_VM (self), FALSE);

  if (self->paths != NULL)
    return g_file_test (self->paths->dir, G_FILE_TEST_IS_DIR);
  dir = hg_runtime_vm_dir (self->runtime_root, hg_vm_get_runtime_id (self));
  return g_file_test (dir, G_FILE_TEST_IS_DIR);
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
  return hg_vm_get_runtime_paths (self)->serial;
}

HgQmpClient *
hg_vm_get_qmp_client (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), NULL);
  return self->qmp;
}

/* ---- identity ---------------------------------------------------------- */

HgVmConfig *
hg_vm_reidentify (HgVm    *self,
                  GError **error)
{
  const HgRuntimePaths *paths;
  g_autoptr(HgVmConfig) fresh = NULL;
  GPid running;
  int lock;

  g_return_val_if_fail (HG_IS_VM (self), NULL);

  if (self->config->path == NULL)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT,
                   _("VM '%s' has no config file to give a new identity"), self->config->label);
      return NULL;
    }
  if (hg_vm_is_active (self))
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING,
                   _("VM '%s' is running (pid %d): shut it down before giving it a new identity"),
                   self->config->label, (int) self->pid);
      return NULL;
    }
  /* no start of it may begin meanwhile */
  paths = hg_vm_get_runtime_paths (self);
  if (!hg_process_prepare_runtime_dir (paths, error))
    return NULL;
  lock = hg_process_lock (paths, self->config->label, error);
  if (lock < 0)
    return NULL;
  running = hg_process_find_running (paths);
  if (running != 0)
    {
      hg_process_unlock (lock);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING,
                   _("VM '%s' is running (pid %d): shut it down before giving it a new identity"),
                   self->config->label, (int) running);
      return NULL;
    }
  /* from the file as it is now: unknown keys and comments are kept */
  fresh = hg_vm_config_load (self->config->path, error);
  if (fresh != NULL)
    {
      g_free (fresh->uuid);
      fresh->uuid = g_uuid_string_random ();
      for (guint i = 0; fresh->nics != NULL && i < fresh->nics->len; i++)
        {
          HgNic *nic = g_ptr_array_index (fresh->nics, i);

          g_free (nic->mac);
          nic->mac = hg_mac_generate ();
        }
      if (!hg_vm_config_save (fresh, error))
        g_clear_pointer (&fresh, hg_vm_config_unref);
    }
  hg_process_unlock (lock);
  return g_steal_pointer (&fresh);
}

/* ---- start ------------------------------------------------------------- */

typedef struct {
  HgBootMode boot_mode;
  gboolean   paused;
  gboolean   throwaway;
} StartRequest;

static void
on_process_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVm *self = g_task_get_source_object (task);
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(HgQmpClient) qmp = NULL;
  g_autoptr(HgHostCaps) caps = NULL;
  GError *error = NULL;
  GPid pid = 0;
  gboolean paused = ((StartRequest *) g_task_get_task_data (task))->paused;

  qmp = hg_process_start_finish (result, &sub, &pid, &caps, &error);
  if (self->caps == NULL && caps != NULL)
    self->caps = g_steal_pointer (&caps);
  if (qmp == NULL)
    {
      g_autofree char *tail = hg_proc_log_tail (hg_vm_get_runtime_paths (self)->log, HG_VM_LOG_TAIL_LINES);

      if (g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_EXITED) ||
          g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_TIMEOUT))
        _hg_vm_set_log_tail (self, tail);
      _hg_vm_set_state (self, HG_VM_STATE_STOPPED, error->message);
      g_task_return_error (task, error);
      return;
    }
  g_object_freeze_notify (G_OBJECT (self));
  _hg_vm_adopt_qmp (self, qmp);
  _hg_vm_watch_process (self, pid, -1, sub);
  _hg_vm_set_state (self, paused ? HG_VM_STATE_PAUSED : HG_VM_STATE_RUNNING,
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
  StartRequest *req;

  g_return_if_fail (HG_IS_VM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_start_async);
  req = g_new0 (StartRequest, 1);
  req->boot_mode = boot_mode;
  req->paused = (flags & HG_VM_START_PAUSED) != 0;
  req->throwaway = (flags & HG_VM_START_THROWAWAY) != 0;
  g_task_set_task_data (task, req, g_free);

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
  g_clear_pointer (&self->expected_exit, g_free);
  self->shutdown_seen = FALSE;
  self->guest_ended = FALSE;
  self->stop_asked = FALSE;
  _hg_vm_set_log_tail (self, NULL);
  _hg_vm_set_state (self, HG_VM_STATE_STARTING, NULL);
  /* the images, caps (when not known yet) and argv are prepared in a
   * worker thread, the switches started without blocking: see
   * hg_process_start_async */
  hg_process_start_async (self->config, boot_mode, hg_vm_get_runtime_paths (self), self->caps,
                          (req->paused ? HG_PROCESS_START_PAUSED : HG_PROCESS_START_NONE) |
                          (req->throwaway ? HG_PROCESS_START_THROWAWAY : HG_PROCESS_START_NONE),
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
