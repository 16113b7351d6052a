/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-process.h"
#include "hg-window-private.h"

/*
 * What other processes do to the library's VMs: `hangarctl start` from a
 * terminal, another Hangar, a VM started before this window.  The runtime
 * directory ($XDG_RUNTIME_DIR/hangar/vms) is watched: when a VM's pidfile
 * or QMP socket appears there the window attaches to it (hg_vm_attach_async),
 * retrying for a few seconds while QEMU is still coming up.  Ends (kill,
 * crash, power off) are noticed by HgVm itself through the process watch.
 *
 * Also here: the runtime line of the details (pid, uptime, the accelerator
 * QEMU really uses, asked with QMP query-kvm).
 */

/* A VM whose pidfile appeared is tried this often, this far apart */
#define ATTACH_RETRIES     40
#define ATTACH_RETRY_MS    250
/* The uptime in the details is refreshed this often (minutes are shown) */
#define UPTIME_REFRESH_S   30
/* How often a running VM's QEMU is asked whether it still answers, and
 * how long an answer may take before it is shown "not responding" */
#define RESPONDING_POLL_MS 1000
#define RESPONDING_LATE_MS HG_VM_ATTACH_TIMEOUT_MS

typedef struct {
  HgWindow *window;     /* weak */
  HgVm     *vm;         /* strong */
  GCancellable *cancellable; /* this retry's attach in flight */
  guint     tries;
  guint     timeout_id;
} AttachRetry;

static void
attach_retry_free (gpointer data)
{
  AttachRetry *retry = data;

  g_clear_handle_id (&retry->timeout_id, g_source_remove);
  g_clear_object (&retry->cancellable);
  g_clear_weak_pointer (&retry->window);
  g_clear_object (&retry->vm);
  g_free (retry);
}

/* Ends a retry; its marker goes unless a newer retry replaced it */
static void
attach_retry_done (AttachRetry *retry)
{
  HgWindow *self = retry->window;
  const char *id = hg_vm_get_runtime_id (retry->vm);

  if (self != NULL && self->attaching != NULL &&
      g_hash_table_lookup (self->attaching, id) == retry)
    g_hash_table_remove (self->attaching, id);
  attach_retry_free (retry);
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
  HgWindow *self = retry->window;

  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      attach_retry_done (retry);
      return;
    }
  /* a display connected before the attach (--display) stays only if the
   * VM runs */
  if (vm == self->current && self->early_connected && !hg_vm_is_active (vm))
    {
      self->early_connected = FALSE;
      hg_window_update_consoles (self);
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
  HgWindow *self = retry->window;

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

/* Attaches to vm if it runs; keeps trying for a while when its pidfile is
 * there but QEMU does not answer yet. */
void
hg_window_attach_vm (HgWindow *self,
                     HgVm     *vm)
{
  hg_window_attach_vm_after (self, vm, 0);
}

void
hg_window_attach_now (HgWindow *self,
                      HgVm     *vm)
{
  AttachRetry *retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));

  if (retry == NULL || retry->timeout_id == 0 || retry->tries > 0)
    return;
  g_clear_handle_id (&retry->timeout_id, g_source_remove);
  try_attach (retry);
}

void
hg_window_attach_vm_after (HgWindow *self,
                           HgVm     *vm,
                           guint     delay_ms)
{
  const char *id = hg_vm_get_runtime_id (vm);
  AttachRetry *retry;

  /* no runtime directory: it has never run here, nothing to look at */
  if (!needs_attach (vm) || g_hash_table_contains (self->attaching, id) ||
      !hg_vm_has_runtime_dir (vm))
    return;
  retry = g_new0 (AttachRetry, 1);
  g_set_weak_pointer (&retry->window, self);
  retry->vm = g_object_ref (vm);
  retry->cancellable = g_cancellable_new ();
  /* the table points at the retry, which frees itself when done */
  g_hash_table_replace (self->attaching, g_strdup (id), retry);
  if (delay_ms > 0)
    retry->timeout_id = g_timeout_add (delay_ms, retry_timeout, retry);
  else
    try_attach (retry);
}

/* ---- watching the runtime directory ------------------------------------ */

static HgVm *
lookup_vm_by_id (HgWindow   *self,
                 const char *id)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->vms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (hg_vm_get_runtime_id (value), id))
      return value;
  return NULL;
}

static void
on_vm_dir_changed (GFileMonitor      *monitor,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event,
                   HgWindow          *self)
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
    hg_window_attach_vm (self, vm);
}

static void
watch_vm_dir (HgWindow   *self,
              const char *id)
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
                    HgWindow          *self)
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
        hg_window_attach_vm (self, vm);
      break;
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      g_hash_table_remove (self->runtime_monitors, id);
      break;
    default:
      break;
    }
}

static void
monitor_cancel_and_unref (gpointer monitor)
{
  g_file_monitor_cancel (monitor);
  g_object_unref (monitor);
}

/* ---- not responding ----------------------------------------------------- */

/* A VM attached by this window stays attached when its QEMU stops
 * answering (SIGSTOP, a debugger, a hang).  The core proves that at attach
 * (hg_vm_is_responding) and knows a stopped process
 * (hg_proc_pid_is_stopped); a QMP query-status left unanswered for
 * RESPONDING_LATE_MS tells the rest, and any answer ends it.  Kept on the
 * HgVm: */
#define PINGING        "hg-pinging"         /* non-NULL while a query-status is out */
#define NOT_RESPONDING "hg-not-responding"  /* non-NULL while it does not answer */

typedef struct {
  GWeakRef  window;
  HgVm     *vm;
} Ping;

static void
set_not_responding (HgWindow *self,
                    HgVm     *vm,
                    gboolean  not_responding)
{
  if ((g_object_get_data (G_OBJECT (vm), NOT_RESPONDING) != NULL) == not_responding)
    return;
  g_object_set_data (G_OBJECT (vm), NOT_RESPONDING, not_responding ? GINT_TO_POINTER (1) : NULL);
  if (self == NULL)
    return;
  hg_vm_tree_set_vm_state (self->tree, hg_vm_get_config (vm)->path, hg_window_vm_state_name (vm));
  if (vm == self->current)
    hg_window_update_runtime (self);
}

static void
on_ping (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ping *ping = user_data;
  g_autoptr(HgWindow) self = g_weak_ref_get (&ping->window);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);

  g_object_set_data (G_OBJECT (ping->vm), PINGING, NULL);
  /* late: not responding; any answer, even QEMU's error, is QEMU
   * answering; a closed connection ends in the VM's own state change */
  if (g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT))
    set_not_responding (self, ping->vm, TRUE);
  else if (node != NULL || (error != NULL && error->domain == HG_QMP_ERROR &&
                            error->code >= HG_QMP_ERROR_GENERIC))
    set_not_responding (self, ping->vm, hg_proc_pid_is_stopped (hg_vm_get_pid (ping->vm)));
  g_weak_ref_clear (&ping->window);
  g_object_unref (ping->vm);
  g_free (ping);
}

static void
check_responding (HgWindow *self,
                  HgVm     *vm)
{
  HgQmpClient *qmp = hg_vm_get_qmp_client (vm);
  HgVmState state = hg_vm_get_state (vm);
  Ping *ping;

  if ((state != HG_VM_STATE_RUNNING && state != HG_VM_STATE_PAUSED) || hg_vm_get_pid (vm) <= 0)
    {
      set_not_responding (self, vm, FALSE);
      return;
    }
  if (hg_proc_pid_is_stopped (hg_vm_get_pid (vm)))
    set_not_responding (self, vm, TRUE);
  if (qmp == NULL || g_object_get_data (G_OBJECT (vm), PINGING) != NULL)
    return;
  ping = g_new0 (Ping, 1);
  g_weak_ref_init (&ping->window, self);
  ping->vm = g_object_ref (vm);
  g_object_set_data (G_OBJECT (vm), PINGING, GINT_TO_POINTER (1));
  hg_qmp_client_execute_full_async (qmp, "query-status", NULL, RESPONDING_LATE_MS,
                                    self->cancellable, on_ping, ping);
}

static gboolean
responding_tick (gpointer data)
{
  HgWindow *self = data;
  GHashTableIter iter;
  gpointer vm;

  g_hash_table_iter_init (&iter, self->vms);
  while (g_hash_table_iter_next (&iter, NULL, &vm))
    check_responding (self, vm);
  return G_SOURCE_CONTINUE;
}

const char *
hg_window_vm_state_name (HgVm *vm)
{
  if (hg_vm_is_active (vm) &&
      (!hg_vm_is_responding (vm) || g_object_get_data (G_OBJECT (vm), NOT_RESPONDING) != NULL))
    return "not-responding";
  return hg_vm_state_to_string (hg_vm_get_state (vm));
}

void
hg_window_init_runtime_watch (HgWindow *self)
{
  g_autofree char *root = hg_runtime_root ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  self->attaching = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->responding_id = g_timeout_add (RESPONDING_POLL_MS, responding_tick, self);
  self->runtime_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  monitor_cancel_and_unref);
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
  g_signal_connect_object (self->runtime_monitor, "changed", G_CALLBACK (on_runtime_changed), self, 0);

  dir = g_dir_open (self->runtime_vms_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->runtime_vms_dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        watch_vm_dir (self, name);
    }
}

/* The window goes: no attach goes on */
void
hg_window_cancel_attaches (HgWindow *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->attaching == NULL)
    return;
  g_hash_table_iter_init (&iter, self->attaching);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_cancellable_cancel (((AttachRetry *) value)->cancellable);
  g_hash_table_remove_all (self->attaching);
}

gboolean
hg_window_is_attaching (HgWindow *self,
                        HgVm     *vm)
{
  AttachRetry *retry;

  if (self->attaching == NULL)
    return FALSE;
  retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));
  return retry != NULL && retry->vm == vm;
}

/* A reload dropped vm: its attach under way (if any) stops */
void
hg_window_cancel_attach (HgWindow *self,
                         HgVm     *vm)
{
  AttachRetry *retry;

  if (self->attaching == NULL)
    return;
  retry = g_hash_table_lookup (self->attaching, hg_vm_get_runtime_id (vm));
  if (retry == NULL || retry->vm != vm)
    return;
  g_cancellable_cancel (retry->cancellable);
  g_hash_table_remove (self->attaching, hg_vm_get_runtime_id (vm));
}

void
hg_window_clear_runtime_watch (HgWindow *self)
{
  hg_window_cancel_attaches (self);
  if (self->runtime_monitor != NULL)
    g_file_monitor_cancel (self->runtime_monitor);
  g_clear_object (&self->runtime_monitor);
  g_clear_pointer (&self->runtime_monitors, g_hash_table_unref);
  g_clear_pointer (&self->attaching, g_hash_table_unref);
  g_clear_pointer (&self->runtime_vms_dir, g_free);
  g_clear_handle_id (&self->uptime_id, g_source_remove);
  g_clear_handle_id (&self->responding_id, g_source_remove);
}

/* ---- the runtime line of the details ------------------------------------ */

/* Seconds QEMU has been running, from /proc (-1 if unknown) */
static gint64
process_uptime (GPid pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  g_autofree char *uptime = NULL;
  const char *p;
  guint64 start_ticks = 0;
  long hz = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL) || hz <= 0)
    return -1;
  /* the command name may hold spaces and parentheses: fields follow the last ')' */
  p = strrchr (stat, ')');
  if (p == NULL)
    return -1;
  p++;
  /* field 22 (starttime) is the 20th after the ')' */
  for (guint field = 3; field <= 22; field++)
    {
      while (*p == ' ')
        p++;
      if (field == 22)
        start_ticks = g_ascii_strtoull (p, NULL, 10);
      while (*p != ' ' && *p != '\0')
        p++;
    }
  return (gint64) g_ascii_strtod (uptime, NULL) - (gint64) (start_ticks / (guint64) hz);
}

static char *
format_uptime (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup (_("up less than a minute"));
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "up %d minute", "up %d minutes",
                                         (gulong) (seconds / 60)),
                            (int) (seconds / 60));
  return g_strdup_printf (_("up %d h %02d min"), (int) (seconds / 3600), (int) (seconds % 3600 / 60));
}

/* The accelerator on QEMU's command line (-accel X or accel=X), or NULL */
static char *
accel_from_cmdline (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  for (gsize i = 0; i < len; i += strlen (text + i) + 1)
    {
      const char *arg = text + i;
      const char *accel = strstr (arg, "accel=");

      if (g_str_equal (arg, "-accel") && i + strlen (arg) + 1 < len)
        return g_strndup (text + i + strlen (arg) + 1, strcspn (text + i + strlen (arg) + 1, ",:"));
      if (accel != NULL && (accel == arg || accel[-1] == ','))
        return g_strndup (accel + 6, strcspn (accel + 6, ",:"));
    }
  return NULL;
}

char *
hg_window_describe_runtime (HgWindow *self,
                            HgVm     *vm)
{
  GPid pid = hg_vm_get_pid (vm);
  const char *reason = hg_vm_get_state_reason (vm);
  const char *accel = g_object_get_data (G_OBJECT (vm), "hg-accel-in-use");
  g_autoptr(GString) out = g_string_new (NULL);

  if (pid > 0)
    {
      gint64 up = process_uptime (pid);

      g_string_append_printf (out, _("pid %d"), (int) pid);
      if (up >= 0)
        {
          g_autofree char *text = format_uptime (up);
          g_string_append_printf (out, " · %s", text);
        }
      if (accel != NULL)
        g_string_append_printf (out, " · %s", accel);
    }
  if (hg_vm_is_active (vm))
    g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "",
                            hg_vm_get_runtime_paths (vm)->dir);
  if (reason != NULL)
    g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "", reason);
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

typedef struct {
  HgWindow *window;   /* weak */
  HgVm     *vm;
} KvmQuery;

static void
set_accel_in_use (HgWindow   *self,
                  HgVm       *vm,
                  const char *accel)
{
  g_object_set_data_full (G_OBJECT (vm), "hg-accel-in-use", g_strdup (accel), g_free);
  if (self != NULL)
    {
      hg_vm_tree_set_vm_accel (self->tree, hg_vm_get_config (vm)->path, accel);
      if (vm == self->current)
        hg_window_update_runtime (self);
    }
}

static void
on_query_kvm (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KvmQuery *query = user_data;
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
  if (accel == NULL && hg_vm_get_pid (query->vm) > 0)
    accel = from_cmdline = accel_from_cmdline (hg_vm_get_pid (query->vm));
  if (accel == NULL && node != NULL)
    accel = "tcg";
  if (accel != NULL)
    set_accel_in_use (query->window, query->vm, accel);
  g_clear_weak_pointer (&query->window);
  g_object_unref (query->vm);
  g_free (query);
}

/* Asks a running VM which accelerator it really uses (once per run) */
void
hg_window_query_accel (HgWindow *self,
                       HgVm     *vm)
{
  HgQmpClient *qmp = hg_vm_get_qmp_client (vm);
  KvmQuery *query;

  if (!hg_vm_is_active (vm) || hg_vm_get_state (vm) == HG_VM_STATE_STARTING)
    {
      if (!hg_vm_is_active (vm) && g_object_get_data (G_OBJECT (vm), "hg-accel-in-use") != NULL)
        set_accel_in_use (self, vm, NULL);
      return;
    }
  if (g_object_get_data (G_OBJECT (vm), "hg-accel-in-use") != NULL)
    return;
  if (qmp == NULL)
    {
      g_autofree char *accel = hg_vm_get_pid (vm) > 0 ? accel_from_cmdline (hg_vm_get_pid (vm)) : NULL;

      if (accel != NULL)
        set_accel_in_use (self, vm, accel);
      return;
    }
  query = g_new0 (KvmQuery, 1);
  g_set_weak_pointer (&query->window, self);
  query->vm = g_object_ref (vm);
  hg_qmp_client_execute_async (qmp, "query-kvm", NULL, self->cancellable, on_query_kvm, query);
}

static gboolean
uptime_tick (gpointer data)
{
  HgWindow *self = data;

  if (self->current != NULL && hg_vm_get_pid (self->current) > 0)
    hg_window_update_runtime (self);
  return G_SOURCE_CONTINUE;
}

void
hg_window_update_runtime (HgWindow *self)
{
  HgVm *vm = self->current;
  g_autofree char *runtime = NULL;

  if (vm == NULL)
    {
      hg_details_view_set_runtime (self->details, NULL, NULL);
      return;
    }
  runtime = hg_window_describe_runtime (self, vm);
  hg_details_view_set_runtime (self->details, hg_window_vm_state_name (vm), runtime);
  /* minutes of uptime: a slow timer only while a selected VM runs */
  if (hg_vm_get_pid (vm) > 0 && self->uptime_id == 0)
    self->uptime_id = g_timeout_add_seconds (UPTIME_REFRESH_S, uptime_tick, self);
  else if (hg_vm_get_pid (vm) <= 0)
    g_clear_handle_id (&self->uptime_id, g_source_remove);
}
