/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include "hg-process.h"
#include "hg-vm-manager-private.h"
#include "hg-vm-private.h"

/* File-monitor events are gathered for this long before one reload */
#define RELOAD_DEBOUNCE_MS 300

static void hg_vm_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HgVmManager, hg_vm_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      hg_vm_manager_list_model_init))

enum {
  PROP_0,
  PROP_HOST_CAPS,
  N_PROPS
};

enum {
  SIGNAL_LOADED,
  SIGNAL_ATTACH_ENDED,
  SIGNAL_VM_NOTIFY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_reload (HgVmManager *self);
static void start_host_probe (HgVmManager *self);

/* The manager's threads (scan, host probe) do not keep it alive: when its
 * view lets go of it, it goes, and cancels them */
static GWeakRef *
weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

static HgVmManager *
weak_ref_steal (GWeakRef *ref)
{
  HgVmManager *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

/* ---- GListModel ---------------------------------------------------------- */

static GType
list_get_item_type (GListModel *model)
{
  return HG_TYPE_VM;
}

static guint
list_get_n_items (GListModel *model)
{
  return HG_VM_MANAGER (model)->vms->len;
}

static gpointer
list_get_item (GListModel *model,
               guint       position)
{
  HgVmManager *self = HG_VM_MANAGER (model);

  if (position >= self->vms->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->vms, position));
}

static void
hg_vm_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

/* The model goes from old to self->vms: one items-changed for the run that
 * differs (a VM added or removed is one item) */
static void
emit_changes (HgVmManager *self,
              GPtrArray   *old)
{
  GPtrArray *new = self->vms;
  guint prefix = 0;
  guint suffix = 0;

  while (prefix < old->len && prefix < new->len &&
         g_ptr_array_index (old, prefix) == g_ptr_array_index (new, prefix))
    prefix++;
  while (suffix < old->len - prefix && suffix < new->len - prefix &&
         g_ptr_array_index (old, old->len - 1 - suffix) == g_ptr_array_index (new, new->len - 1 - suffix))
    suffix++;
  if (prefix == old->len && prefix == new->len)
    return;
  g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                              new->len - prefix - suffix);
}

static void
rebuild_index (HgVmManager *self)
{
  g_hash_table_remove_all (self->by_path);
  for (guint i = 0; i < self->vms->len; i++)
    {
      HgVm *vm = g_ptr_array_index (self->vms, i);

      g_hash_table_replace (self->by_path, hg_vm_get_config (vm)->path, vm);
    }
}

/* ---- following a VM ----------------------------------------------------- */

static void
on_vm_notify (HgVm        *vm,
              GParamSpec  *pspec,
              HgVmManager *self)
{
  if (g_str_equal (pspec->name, "state") || g_str_equal (pspec->name, "pid"))
    {
      _hg_vm_manager_query_accel (self, vm);
      /* kept by a reload while it ran, its config since edited: made anew
       * from the new config now that it is stopped */
      if (!hg_vm_is_active (vm) && hg_vm_get_config_stale (vm))
        schedule_reload (self);
    }
  g_signal_emit (self, signals[SIGNAL_VM_NOTIFY], g_param_spec_get_name_quark (pspec), vm, pspec);
}

/* one plain handler, which the views share ("vm-notify"): a library of
 * 1,000 VMs pays for 1,000 closures, not 1,000 per view */
static void
follow_vm (HgVmManager *self,
           HgVm        *vm)
{
  if (self->live)
    g_signal_connect (vm, "notify", G_CALLBACK (on_vm_notify), self);
}

/* Stops following vm: it goes on running, the manager only stops
 * listening */
static void
drop_vm (HgVmManager *self,
         HgVm        *vm)
{
  _hg_vm_manager_cancel_attach (self, vm);
  g_signal_handlers_disconnect_by_data (vm, self);
  /* (one that was never looked at has nothing to let go of) */
  if (hg_vm_is_active (vm) || hg_vm_get_qmp_client (vm) != NULL || hg_vm_get_pid (vm) > 0)
    hg_vm_detach (vm);
}

HgVm *
hg_vm_manager_add (HgVmManager *self,
                         HgVmConfig  *config,
                         guint        attach_delay_ms)
{
  g_autoptr(GPtrArray) old = NULL;
  HgVm *vm;

  g_return_val_if_fail (HG_IS_VM_MANAGER (self), NULL);
  g_return_val_if_fail (config != NULL && config->path != NULL, NULL);

  vm = g_hash_table_lookup (self->by_path, config->path);
  if (vm != NULL)
    return vm;
  vm = hg_vm_new_full (config, NULL, self->caps);
  follow_vm (self, vm);
  g_ptr_array_add (self->vms, vm);
  g_hash_table_replace (self->by_path, config->path, vm);
  g_list_model_items_changed (G_LIST_MODEL (self), self->vms->len - 1, 0, 1);
  if (self->live)
    _hg_vm_manager_attach_after (self, vm, attach_delay_ms);
  return vm;
}

/* ---- the library --------------------------------------------------------- */

static void
on_library_changed (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    HgVmManager       *self)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
      schedule_reload (self);
      break;
    default:
      break;
    }
}

static void
watch_directory (HgVmManager *self,
                 GHashTable  *watched,
                 const char  *dir)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;

  if (g_hash_table_contains (watched, dir))
    return;
  g_hash_table_add (watched, g_strdup (dir));
  file = g_file_new_for_path (dir);
  monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, self->cancellable, &error);
  if (monitor == NULL)
    {
      g_debug ("Not watching %s: %s", dir, error->message);
      return;
    }
  g_signal_connect_object (monitor, "changed", G_CALLBACK (on_library_changed), self, 0);
  g_ptr_array_add (self->monitors, g_steal_pointer (&monitor));
}

typedef struct {
  GStrv       bases;      /* NULL = the default bases */
  GHashTable *old;        /* config path -> HgVmConfig of the VMs there now */
} ScanData;

typedef struct {
  GPtrArray  *entries;
  GHashTable *unchanged;  /* config paths whose config is as it was */
} ScanResult;

static void
scan_data_free (gpointer data)
{
  ScanData *scan = data;

  g_strfreev (scan->bases);
  g_hash_table_unref (scan->old);
  g_free (scan);
}

static void
scan_result_free (gpointer data)
{
  ScanResult *result = data;

  g_ptr_array_unref (result->entries);
  g_hash_table_unref (result->unchanged);
  g_free (result);
}

static gboolean
config_same (HgVmConfig *a,
             HgVmConfig *b)
{
  g_autofree char *data_a = hg_vm_config_to_data (a, NULL);
  g_autofree char *data_b = hg_vm_config_to_data (b, NULL);

  return g_strcmp0 (data_a, data_b) == 0;
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanData *scan = task_data;
  g_auto(GStrv) defaults = NULL;
  const char * const *bases = (const char * const *) scan->bases;
  ScanResult *result;

  if (bases == NULL)
    bases = (const char * const *) (defaults = hg_library_default_bases ());
  result = g_new0 (ScanResult, 1);
  result->entries = hg_library_scan (bases, cancellable);
  result->unchanged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* which configs a reload need not make anew (compared here, off the
   * main thread: a big library is a few thousand keyfiles) */
  for (guint i = 0; i < result->entries->len; i++)
    {
      HgLibraryEntry *entry = g_ptr_array_index (result->entries, i);
      HgVmConfig *old = entry->config != NULL ? g_hash_table_lookup (scan->old, entry->path) : NULL;

      if (old != NULL && config_same (old, entry->config))
        g_hash_table_add (result->unchanged, g_strdup (entry->path));
    }
  if (g_task_return_error_if_cancelled (task))
    {
      scan_result_free (result);
      return;
    }
  g_task_return_pointer (task, result, scan_result_free);
}

/* The HgVm of old that a load keeps for entry: the same config path and
 * uuid, and running (its QMP, display and terminals stay connected), being
 * attached to (hg_vm_manager_add), or stopped with the same config.
 * Any other gets a new HgVm with the config as it is now. */
static HgVm *
find_kept_vm (HgVmManager    *self,
              HgLibraryEntry *entry,
              GHashTable     *unchanged)
{
  HgVm *vm;

  if (entry->config == NULL)
    return NULL;
  vm = g_hash_table_lookup (self->by_path, entry->path);
  if (vm == NULL || g_strcmp0 (hg_vm_get_config (vm)->uuid, entry->config->uuid) != 0)
    return NULL;
  if (hg_vm_is_active (vm) || hg_vm_manager_is_attaching (self, vm))
    return vm;
  if (hg_vm_get_state (vm) == HG_VM_STATE_STOPPED && !hg_vm_get_config_stale (vm) &&
      unchanged != NULL && g_hash_table_contains (unchanged, entry->path))
    return vm;
  return NULL;
}

/* Makes the model what a scan found */
static void
apply_entries (HgVmManager *self,
               GPtrArray   *entries,
               GHashTable  *unchanged)
{
  g_autoptr(GPtrArray) old = g_steal_pointer (&self->vms);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new ();
  g_autoptr(GHashTable) kept = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) watched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 started = g_get_monotonic_time ();

  self->vms = g_ptr_array_new_full (entries->len, g_object_unref);
  if (self->live)
    g_ptr_array_set_size (self->monitors, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *entry = g_ptr_array_index (entries, i);
      HgVm *vm = find_kept_vm (self, entry, unchanged);

      /* Watch the base and every folder that holds VMs: new VM directories
       * appear there, removed ones vanish from there. */
      if (self->live)
        {
          g_autofree char *folder_dir = entry->folder != NULL && entry->folder[0] != '\0'
                                          ? g_build_filename (entry->base, entry->folder, NULL)
                                          : g_strdup (entry->base);

          watch_directory (self, watched, folder_dir);
        }
      if (entry->config == NULL)
        continue;
      if (vm != NULL)
        {
          g_ptr_array_add (self->vms, g_object_ref (vm));
          g_hash_table_add (kept, vm);
          /* edited while it runs: the new config counts from its next
           * start, when a reload (on_vm_notify) makes it anew */
          if (hg_vm_is_active (vm) && (unchanged == NULL || !g_hash_table_contains (unchanged, entry->path)))
            _hg_vm_set_config_stale (vm, TRUE);
        }
      else
        {
          vm = hg_vm_new_full (entry->config, NULL, self->caps);
          g_ptr_array_add (self->vms, vm);
          g_ptr_array_add (fresh, vm);
          follow_vm (self, vm);
        }
      /* a copy with the same uuid as another VM */
      _hg_vm_set_same_uuid_as (vm, entry->same_uuid_as);
    }
  if (self->live)
    {
      /* empty bases too: the first VM made there must show up */
      g_auto(GStrv) bases = hg_vm_manager_dup_bases (self);

      for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
        watch_directory (self, watched, bases[i]);
    }
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = g_ptr_array_ref (entries);
  rebuild_index (self);
  emit_changes (self, old);

  /* the VMs that are gone or made anew let go of theirs first (a QMP
   * socket serves one client), then the new ones attach: VMs started
   * before the manager (or by hangarctl) are adopted here, later starts by
   * others are seen in the runtime directory */
  for (guint i = 0; i < old->len; i++)
    if (!g_hash_table_contains (kept, g_ptr_array_index (old, i)))
      drop_vm (self, g_ptr_array_index (old, i));
  if (self->live)
    for (guint i = 0; i < fresh->len; i++)
      _hg_vm_manager_attach_after (self, g_ptr_array_index (fresh, i), 0);
  g_debug ("Library of %u entries applied in %.1f ms", entries->len,
           (g_get_monotonic_time () - started) / 1000.0);
}

static void
on_scanned (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HgVmManager) self = weak_ref_steal (user_data);
  ScanResult *scan = g_task_propagate_pointer (G_TASK (result), NULL);

  /* cancelled (another reload, or the manager goes) */
  if (scan == NULL || self == NULL)
    {
      g_clear_pointer (&scan, scan_result_free);
      return;
    }
  self->loading = FALSE;
  apply_entries (self, scan->entries, scan->unchanged);
  scan_result_free (scan);
  /* The command lines need the host's emulators and KVM state.  Probed
   * after the first load: it spawns emulators (or reads their cache),
   * which a window's first frame need not wait for. */
  start_host_probe (self);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
  /* a view that shows them later holds them (1,000 entries are ~0.4 MB) */
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = g_ptr_array_new ();
}

static void
go_live (HgVmManager *self)
{
  if (self->live)
    return;
  self->live = TRUE;
  _hg_vm_manager_watch_runtime (self);
  self->responding_id = g_timeout_add (HG_VM_MANAGER_RESPONDING_POLL_MS, _hg_vm_manager_responding_tick, self);
  for (guint i = 0; i < self->vms->len; i++)
    follow_vm (self, g_ptr_array_index (self->vms, i));
}

void
hg_vm_manager_reload (HgVmManager *self)
{
  g_autoptr(GTask) task = NULL;
  ScanData *scan;

  g_return_if_fail (HG_IS_VM_MANAGER (self));

  go_live (self);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  hg_vm_manager_cancel_reload (self);
  self->scan_cancellable = g_cancellable_new ();
  self->loading = TRUE;

  scan = g_new0 (ScanData, 1);
  scan->bases = g_strdupv (self->bases);
  scan->old = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) hg_vm_config_unref);
  for (guint i = 0; i < self->vms->len; i++)
    {
      HgVmConfig *config = hg_vm_get_config (g_ptr_array_index (self->vms, i));

      g_hash_table_replace (scan->old, g_strdup (config->path), hg_vm_config_ref (config));
    }
  task = g_task_new (NULL, self->scan_cancellable, on_scanned, weak_ref_new (self));
  g_task_set_source_tag (task, hg_vm_manager_reload);
  g_task_set_task_data (task, scan, scan_data_free);
  g_task_run_in_thread (task, scan_thread);
}

void
hg_vm_manager_cancel_reload (HgVmManager *self)
{
  g_return_if_fail (HG_IS_VM_MANAGER (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  self->loading = FALSE;
}

gboolean
hg_vm_manager_is_loading (HgVmManager *self)
{
  g_return_val_if_fail (HG_IS_VM_MANAGER (self), FALSE);
  return self->loading || self->reload_id != 0;
}

static gboolean
reload_timeout (gpointer user_data)
{
  HgVmManager *self = user_data;

  self->reload_id = 0;
  hg_vm_manager_reload (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reload (HgVmManager *self)
{
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DEBOUNCE_MS, reload_timeout, self);
}

void
hg_vm_manager_load_sync (HgVmManager *self,
                         guint        look_timeout_ms)
{
  g_auto(GStrv) bases = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  g_return_if_fail (HG_IS_VM_MANAGER (self));

  bases = hg_vm_manager_dup_bases (self);
  entries = hg_library_scan ((const char * const *) bases, NULL);
  apply_entries (self, entries, NULL);
  hg_vm_manager_refresh_sync (self, look_timeout_ms);
  g_signal_emit (self, signals[SIGNAL_LOADED], 0);
}

void
hg_vm_manager_refresh_sync (HgVmManager *self,
                            guint        look_timeout_ms)
{
  g_autoptr(GHashTable) runtime_names = NULL;
  g_autoptr(GPtrArray) look = g_ptr_array_new ();

  g_return_if_fail (HG_IS_VM_MANAGER (self));

  /* The run state: a VM is looked at only when its runtime directory holds
   * a pidfile or a crash record (most VMs of a big library are not
   * running, and stay a few stat()s each) */
  runtime_names = hg_process_runtime_names (NULL);
  for (guint i = 0; i < self->vms->len; i++)
    {
      HgVm *vm = g_ptr_array_index (self->vms, i);
      HgVmConfig *config = hg_vm_get_config (vm);
      const char *name = config->uuid != NULL && config->uuid[0] != '\0' ? config->uuid : config->label;
      const HgRuntimePaths *paths;

      if (!g_hash_table_contains (runtime_names, name) || !hg_vm_has_runtime_dir (vm))
        continue;
      paths = hg_vm_get_runtime_paths (vm);
      if (!g_file_test (paths->pidfile, G_FILE_TEST_EXISTS) &&
          !g_file_test (paths->crashed, G_FILE_TEST_EXISTS))
        continue;
      hg_vm_set_control_client (vm, TRUE);
      hg_vm_set_attach_timeout (vm, look_timeout_ms);
      g_ptr_array_add (look, vm);
    }
  if (look->len > 0)
    hg_vm_refresh_states ((HgVm * const *) look->pdata, look->len);
}

/* ---- host probe --------------------------------------------------------- */

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HgHostCaps *caps = hg_host_caps_probe ();

  /* What each emulator offers: cached after the first run */
  hg_host_caps_probe_qemu (caps);
  g_task_return_pointer (task, caps, (GDestroyNotify) hg_host_caps_unref);
}

static void
on_host_probed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HgVmManager) self = weak_ref_steal (user_data);
  HgHostCaps *caps = g_task_propagate_pointer (G_TASK (result), NULL);

  if (caps == NULL || self == NULL)
    {
      g_clear_pointer (&caps, hg_host_caps_unref);
      return;
    }
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  self->caps = caps;
  /* the VMs made before it landed */
  for (guint i = 0; i < self->vms->len; i++)
    _hg_vm_set_host_caps (g_ptr_array_index (self->vms, i), caps);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST_CAPS]);
}

static void
start_host_probe (HgVmManager *self)
{
  g_autoptr(GTask) probe = NULL;

  if (self->probe_started)
    return;
  self->probe_started = TRUE;
  probe = g_task_new (NULL, self->cancellable, on_host_probed, weak_ref_new (self));
  g_task_set_source_tag (probe, start_host_probe);
  g_task_run_in_thread (probe, probe_thread);
}

/* ---- the rest of the API -------------------------------------------------- */

HgVmManager *
hg_vm_manager_new (const char * const *bases)
{
  HgVmManager *self = g_object_new (HG_TYPE_VM_MANAGER, NULL);

  self->bases = bases != NULL ? g_strdupv ((char **) bases) : NULL;
  return self;
}

void
hg_vm_manager_set_bases (HgVmManager        *self,
                         const char * const *bases)
{
  g_return_if_fail (HG_IS_VM_MANAGER (self));

  g_strfreev (self->bases);
  self->bases = bases != NULL ? g_strdupv ((char **) bases) : NULL;
}

GStrv
hg_vm_manager_dup_bases (HgVmManager *self)
{
  g_return_val_if_fail (HG_IS_VM_MANAGER (self), NULL);

  return self->bases != NULL ? g_strdupv (self->bases) : hg_library_default_bases ();
}

GPtrArray *
hg_vm_manager_get_entries (HgVmManager *self)
{
  g_return_val_if_fail (HG_IS_VM_MANAGER (self), NULL);
  return self->entries;
}

HgVm *
hg_vm_manager_lookup (HgVmManager *self,
                      const char  *config_path)
{
  g_return_val_if_fail (HG_IS_VM_MANAGER (self), NULL);

  return config_path != NULL ? g_hash_table_lookup (self->by_path, config_path) : NULL;
}

HgHostCaps *
hg_vm_manager_get_host_caps (HgVmManager *self)
{
  g_return_val_if_fail (HG_IS_VM_MANAGER (self), NULL);
  return self->caps;
}

guint
hg_vm_manager_count_running (HgVmManager *self)
{
  guint n = 0;

  g_return_val_if_fail (HG_IS_VM_MANAGER (self), 0);

  for (guint i = 0; i < self->vms->len; i++)
    if (hg_vm_is_active (g_ptr_array_index (self->vms, i)))
      n++;
  return n;
}

/* ---- GObject ------------------------------------------------------------ */

static void
hg_vm_manager_dispose (GObject *object)
{
  HgVmManager *self = HG_VM_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  hg_vm_manager_cancel_reload (self);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_clear_handle_id (&self->responding_id, g_source_remove);
  _hg_vm_manager_cancel_attaches (self);
  /* the VMs go on running: the manager only stops listening */
  if (self->vms->len > 0)
    {
      g_autoptr(GPtrArray) old = g_steal_pointer (&self->vms);

      self->vms = g_ptr_array_new_with_free_func (g_object_unref);
      g_hash_table_remove_all (self->by_path);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old->len, 0);
      for (guint i = 0; i < old->len; i++)
        drop_vm (self, g_ptr_array_index (old, i));
    }
  if (self->runtime_monitor != NULL)
    g_file_monitor_cancel (self->runtime_monitor);
  g_clear_object (&self->runtime_monitor);
  g_hash_table_remove_all (self->runtime_monitors);
  g_ptr_array_set_size (self->monitors, 0);

  G_OBJECT_CLASS (hg_vm_manager_parent_class)->dispose (object);
}

static void
hg_vm_manager_finalize (GObject *object)
{
  HgVmManager *self = HG_VM_MANAGER (object);

  g_clear_pointer (&self->vms, g_ptr_array_unref);
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  g_clear_pointer (&self->monitors, g_ptr_array_unref);
  g_clear_pointer (&self->runtime_monitors, g_hash_table_unref);
  g_clear_pointer (&self->attaching, g_hash_table_unref);
  g_clear_pointer (&self->runtime_vms_dir, g_free);
  g_clear_pointer (&self->bases, g_strfreev);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hg_vm_manager_parent_class)->finalize (object);
}

static void
hg_vm_manager_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HgVmManager *self = HG_VM_MANAGER (object);

  switch (prop_id)
    {
    case PROP_HOST_CAPS:
      g_value_set_pointer (value, self->caps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_manager_class_init (HgVmManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hg_vm_manager_dispose;
  object_class->finalize = hg_vm_manager_finalize;
  object_class->get_property = hg_vm_manager_get_property;

  properties[PROP_HOST_CAPS] =
    g_param_spec_pointer ("host-caps", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LOADED] =
    g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ATTACH_ENDED] =
    g_signal_new ("attach-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HG_TYPE_VM);
  signals[SIGNAL_VM_NOTIFY] =
    g_signal_new ("vm-notify", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, HG_TYPE_VM, G_TYPE_PARAM);
}

static void
hg_vm_manager_init (HgVmManager *self)
{
  self->vms = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_library_entry_free);
  self->cancellable = g_cancellable_new ();
  self->monitors = g_ptr_array_new_with_free_func (_hg_vm_manager_monitor_free);
  self->runtime_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  _hg_vm_manager_monitor_free);
  self->attaching = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
