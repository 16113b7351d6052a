/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include "hg-proc.h"
#include "hg-process.h"
#include "hg-vm-manager-private.h"
#include "hg-vm-private.h"

/* A VM whose pidfile appeared is tried this often, this far apart */
#define ATTACH_RETRIES     40
#define ATTACH_RETRY_MS    250
/* How long an answer may take before the VM is "not responding" (asked
 * every HG_VM_MANAGER_RESPONDING_POLL_MS) */
#define RESPONDING_LATE_MS HG_VM_ATTACH_TIMEOUT_MS

/* ---- attach, with retries ---------------------------------------------- */

/*
 * What other processes do to the library's VMs: `hangarctl start` from a
 * terminal, another Hangar, a VM started before this manager.  The runtime
 * directory ($XDG_RUNTIME_DIR/hangar/vms) is watched: when a VM's pidfile
 * or QMP socket appears there the manager attaches to it
 * (hg_vm_attach_async), retrying for a few seconds while QEMU is still
 * coming up.  Ends (kill, crash, power off) are noticed by HgVm itself
 * through the process watch.
 */

typedef struct {
  HgVmManager  *manager;     /* weak */
  HgVm         *vm;          /* strong */
  GCancellable *cancellable; /* this retry's attach in flight */
  guint         tries;
  guint         timeout_id;
} AttachRetry;

static void
attach_retry_free (AttachRetry *retry)
{
  g_clear_handle_id (&retry->timeout_id, g_source_remove);
  g_clear_object (&retry->cancellable);
  g_clear_weak_pointer (&retry->manager);
  g_clear_object (&retry->vm);
  g_free (retry);
}

/* Ends a retry; its marker goes unless a newer retry replaced it */
static void
attach_retry_done (AttachRetry *retry)
{
  HgVmManager *self = retry->manager;
  g_autoptr(HgVm) vm = g_object_ref (retry->vm);
  const char *id = hg_vm_get_runtime_id (vm);
  gboolean current = FALSE;

  if (self != NULL && self->attaching != NULL &&
      g_hash_table_lookup (self->attaching, id) == retry)
    {
      g_hash_table_remove (self->attaching, id);
      current = TRUE;
    }
  attach_retry_free (retry);
  if (current)
    g_signal_emit_by_name (self, "attach-ended", vm);
}

/* Running (or not) without a QMP connection of ours, and not being started
 * by us: worth an attach */
static gboolean
needs_attach (HgVm *vm)
{
  return hg_vm_get_qmp_client (vm) == NULL && hg_vm_get_state (vm) != HG_VM_STATE_STARTING;
}

static void try_attach (AttachRetry *retry);

static gboolean
retry_timeout (gpointer data)
{
  AttachRetry *retry = data;

  retry->timeout_id = 0;
  try_attach (retry);
  return G_SOURCE_REMOVE;
}

static void
on_attached (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AttachRetry *retry = user_data;
  HgVm *vm = HG_VM (source);
  g_autoptr(GError) error = NULL;
  gboolean attached = hg_vm_attach_finish (vm, result, &error);

  if (retry->manager == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      attach_retry_done (retry);
      return;
    }
  if (attached || !needs_attach (vm) ||
      !g_file_test (hg_vm_get_runtime_paths (vm)->pidfile, G_FILE_TEST_EXISTS) ||
      g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_IDENTITY) ||
      ++retry->tries >= ATTACH_RETRIES)
    {
      if (error != NULL && !attached)
        g_message ("Not attaching to %s: %s", hg_vm_get_label (vm), error->message);
      attach_retry_done (retry);
      return;
    }
  /* QEMU is still coming up (its pidfile is there before its sockets), or
   * its starter still holds the QMP sockets (HG_PROCESS_ERROR_BUSY: the VM
   * is shown running meanwhile) */
  retry->timeout_id = g_timeout_add (ATTACH_RETRY_MS, retry_timeout, retry);
}

static void
try_attach (AttachRetry *retry)
{
  HgVmManager *self = retry->manager;
  const HgRuntimePaths *paths = hg_vm_get_runtime_paths (retry->vm);
  int lock;

  if (self == NULL || !needs_attach (retry->vm) ||
      g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (retry->vm)) != retry ||
      !g_file_test (paths->dir, G_FILE_TEST_IS_DIR))
    {
      attach_retry_done (retry);
      return;
    }
  /* Somebody (hangarctl, another Hangar) is starting it and talks to QEMU
   * over its QMP socket, which serves one client: not now, a bit later. */
  lock = hg_process_lock (paths, hg_vm_get_label (retry->vm), NULL);
  if (lock < 0)
    {
      if (++retry->tries >= ATTACH_RETRIES)
        {
          attach_retry_done (retry);
          return;
        }
      retry->timeout_id = g_timeout_add (ATTACH_RETRY_MS, retry_timeout, retry);
      return;
    }
  hg_process_unlock (lock);
  hg_vm_attach_async (retry->vm, retry->cancellable, on_attached, retry);
}

void
_hg_vm_manager_attach_after (HgVmManager *self,
              HgVm        *vm,
              guint        delay_ms)
{
  const char *id = hg_vm_get_runtime_id (vm);
  AttachRetry *retry;

  /* no runtime directory: it has never run here, nothing to look at */
  if (!needs_attach (vm) || g_hash_table_contains (self->attaching, id) ||
      !hg_vm_has_runtime_dir (vm))
    return;
  retry = g_new0 (AttachRetry, 1);
  g_set_weak_pointer (&retry->manager, self);
  retry->vm = g_object_ref (vm);
  retry->cancellable = g_cancellable_new ();
  /* the table points at the retry, which frees itself when done */
  g_hash_table_replace (self->attaching, g_strdup (id), retry);
  if (delay_ms > 0)
    retry->timeout_id = g_timeout_add (delay_ms, retry_timeout, retry);
  else
    try_attach (retry);
}

void
hg_vm_manager_attach (HgVmManager *self,
                      HgVm        *vm)
{
  g_return_if_fail (HG_IS_VM_MANAGER (self));
  g_return_if_fail (HG_IS_VM (vm));

  _hg_vm_manager_attach_after (self, vm, 0);
}

void
hg_vm_manager_attach_now (HgVmManager *self,
                          HgVm        *vm)
{
  AttachRetry *retry;

  g_return_if_fail (HG_IS_VM_MANAGER (self));
  g_return_if_fail (HG_IS_VM (vm));

  retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));
  if (retry == NULL || retry->timeout_id == 0 || retry->tries > 0)
    return;
  g_clear_handle_id (&retry->timeout_id, g_source_remove);
  try_attach (retry);
}

gboolean
hg_vm_manager_is_attaching (HgVmManager *self,
                            HgVm        *vm)
{
  AttachRetry *retry;

  g_return_val_if_fail (HG_IS_VM_MANAGER (self), FALSE);

  if (g_hash_table_size (self->attaching) == 0)
    return FALSE;
  retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));
  return retry != NULL && retry->vm == vm;
}

/* vm leaves the manager: its attach under way (if any) stops */
void
_hg_vm_manager_cancel_attach (HgVmManager *self,
               HgVm        *vm)
{
  AttachRetry *retry;

  if (g_hash_table_size (self->attaching) == 0)
    return;
  retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));
  if (retry == NULL || retry->vm != vm)
    return;
  g_cancellable_cancel (retry->cancellable);
  g_hash_table_remove (self->attaching, hg_vm_get_runtime_id (vm));
}

void
_hg_vm_manager_cancel_attaches (HgVmManager *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->attaching);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((AttachRetry *) value)->cancellable);
  g_hash_table_remove_all (self->attaching);
}

/* ---- the runtime directory ---------------------------------------------- */

static HgVm *
lookup_vm_by_id (HgVmManager *self,
                 const char  *id)
{
  for (guint i = 0; i < self->vms->len; i++)
    if (g_str_equal (hg_vm_get_runtime_id (g_ptr_array_index (self->vms, i)), id))
      return g_ptr_array_index (self->vms, i);
  return NULL;
}

static void
on_vm_dir_changed (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event,
                   HgVmManager       *self)
{
  g_autofree char *name = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GFile) parent = NULL;
  HgVm *vm;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
      name = g_file_get_basename (file);
      break;
    case G_FILE_MONITOR_EVENT_RENAMED:
      name = other != NULL ? g_file_get_basename (other) : NULL;
      break;
    default:
      return;
    }
  if (name == NULL || (!g_str_equal (name, "qemu.pid") && !g_str_equal (name, "qmp.sock")))
    return;
  parent = g_file_get_parent (file);
  id = g_file_get_basename (parent);
  vm = lookup_vm_by_id (self, id);
  if (vm != NULL)
    _hg_vm_manager_attach_after (self, vm, 0);
}

static void
watch_vm_dir (HgVmManager *self,
              const char  *id)
{
  g_autofree char *dir = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;

  if (g_hash_table_contains (self->runtime_monitors, id))
    return;
  dir = g_build_filename (self->runtime_vms_dir, id, NULL);
  file = g_file_new_for_path (dir);
  monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, self->cancellable, &error);
  if (monitor == NULL)
    {
      g_debug ("Not watching %s: %s", dir, error->message);
      return;
    }
  g_signal_connect_object (monitor, "changed", G_CALLBACK (on_vm_dir_changed), self, 0);
  g_hash_table_replace (self->runtime_monitors, g_strdup (id), g_steal_pointer (&monitor));
}

static void
on_runtime_changed (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    HgVmManager       *self)
{
  g_autofree char *id = g_file_get_basename (file);
  HgVm *vm;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
      if (!g_file_test (g_file_peek_path (file), G_FILE_TEST_IS_DIR))
        return;
      watch_vm_dir (self, id);
      /* the pidfile may already be there when the watch starts */
      vm = lookup_vm_by_id (self, id);
      if (vm != NULL && g_file_test (hg_vm_get_runtime_paths (vm)->pidfile, G_FILE_TEST_EXISTS))
        _hg_vm_manager_attach_after (self, vm, 0);
      break;
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      g_hash_table_remove (self->runtime_monitors, id);
      break;
    default:
      break;
    }
}

void
_hg_vm_manager_monitor_free (gpointer monitor)
{
  g_file_monitor_cancel (monitor);
  g_object_unref (monitor);
}

void
_hg_vm_manager_watch_runtime (HgVmManager *self)
{
  g_autofree char *root = hg_runtime_root ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  self->runtime_vms_dir = g_build_filename (root, "vms", NULL);
  /* the same directories a start makes (0700, ours, no symlink) */
  if (!hg_runtime_ensure_dir (root, &error) ||
      !hg_runtime_ensure_dir (self->runtime_vms_dir, &error))
    {
      g_message ("Not watching %s for VMs started elsewhere: %s", self->runtime_vms_dir,
                 error->message);
      return;
    }
  file = g_file_new_for_path (self->runtime_vms_dir);
  self->runtime_monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES,
                                                    self->cancellable, &error);
  if (self->runtime_monitor == NULL)
    {
      g_message ("Not watching %s for VMs started elsewhere: %s", self->runtime_vms_dir,
                 error->message);
      return;
    }
  g_signal_connect_object (self->runtime_monitor, "changed", G_CALLBACK (on_runtime_changed),
                           self, 0);

  dir = g_dir_open (self->runtime_vms_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->runtime_vms_dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        watch_vm_dir (self, name);
    }
}

/* ---- not responding ----------------------------------------------------- */

/* A VM attached here stays attached when its QEMU stops answering
 * (SIGSTOP, a debugger, a hang).  The attach proves that much
 * (hg_vm_is_responding) and a stopped process is seen in /proc; a QMP
 * query-status left unanswered for RESPONDING_LATE_MS tells the rest, and
 * any answer ends it. */

typedef struct {
  GWeakRef  manager;
  HgVm     *vm;
} Ping;

static void
on_ping (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ping *ping = user_data;
  g_autoptr(HgVmManager) self = g_weak_ref_get (&ping->manager);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);

  ping->vm->pinging = FALSE;
  /* late: not responding; any answer, even QEMU's error, is QEMU
   * answering; a closed connection ends in the VM's own state change */
  if (self != NULL)
    {
      if (g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT))
        _hg_vm_set_not_answering (ping->vm, TRUE);
      else if (node != NULL || (error != NULL && error->domain == HG_QMP_ERROR &&
                                error->code >= HG_QMP_ERROR_GENERIC))
        _hg_vm_set_not_answering (ping->vm, hg_proc_pid_is_stopped (hg_vm_get_pid (ping->vm)));
    }
  g_weak_ref_clear (&ping->manager);
  g_object_unref (ping->vm);
  g_free (ping);
}

static void
check_responding (HgVmManager *self,
                  HgVm        *vm)
{
  HgQmpClient *qmp = hg_vm_get_qmp_client (vm);
  HgVmState state = hg_vm_get_state (vm);
  Ping *ping;

  if ((state != HG_VM_STATE_RUNNING && state != HG_VM_STATE_PAUSED) || hg_vm_get_pid (vm) <= 0)
    {
      _hg_vm_set_not_answering (vm, FALSE);
      return;
    }
  if (hg_proc_pid_is_stopped (hg_vm_get_pid (vm)))
    _hg_vm_set_not_answering (vm, TRUE);
  if (qmp == NULL || vm->pinging)
    return;
  ping = g_new0 (Ping, 1);
  g_weak_ref_init (&ping->manager, self);
  ping->vm = g_object_ref (vm);
  vm->pinging = TRUE;
  hg_qmp_client_execute_full_async (qmp, "query-status", NULL, RESPONDING_LATE_MS,
                                    self->cancellable, on_ping, ping);
}

gboolean
_hg_vm_manager_responding_tick (gpointer data)
{
  HgVmManager *self = data;

  for (guint i = 0; i < self->vms->len; i++)
    check_responding (self, g_ptr_array_index (self->vms, i));
  return G_SOURCE_CONTINUE;
}

/* ---- the accelerator in use --------------------------------------------- */

static void
on_query_kvm (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HgVm) vm = user_data;
  g_autoptr(JsonNode) node = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, NULL);
  g_autofree char *from_cmdline = NULL;
  const char *accel = NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      if (json_object_has_member (object, "enabled"))
        accel = json_object_get_boolean_member (object, "enabled") ? "kvm" : NULL;
    }
  /* KVM off: which of the others (tcg, xen, hvf ...) the command line says */
  if (accel == NULL && hg_vm_get_pid (vm) > 0)
    accel = from_cmdline = hg_proc_cmdline_accel (hg_vm_get_pid (vm));
  if (accel == NULL && node != NULL)
    accel = "tcg";
  if (accel != NULL && hg_vm_is_active (vm))
    _hg_vm_set_accel_in_use (vm, accel);
}

/* Asks a running VM which accelerator it really uses (once per run) */
void
_hg_vm_manager_query_accel (HgVmManager *self,
             HgVm        *vm)
{
  HgQmpClient *qmp = hg_vm_get_qmp_client (vm);

  if (!hg_vm_is_active (vm))
    {
      _hg_vm_set_accel_in_use (vm, NULL);
      return;
    }
  if (hg_vm_get_state (vm) == HG_VM_STATE_STARTING || hg_vm_get_accel_in_use (vm) != NULL)
    return;
  if (qmp == NULL)
    {
      g_autofree char *accel = hg_vm_get_pid (vm) > 0 ? hg_proc_cmdline_accel (hg_vm_get_pid (vm)) : NULL;

      if (accel != NULL)
        _hg_vm_set_accel_in_use (vm, accel);
      return;
    }
  hg_qmp_client_execute_async (qmp, "query-kvm", NULL, self->cancellable, on_query_kvm,
                               g_object_ref (vm));
}
