/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm-manager.h"

/*
 * HgVmManager: the VMs of the bases as a GListModel, following the disk
 * and the runtime directory, with one host probe for all.
 */

#define LOAD_MS   20000
#define BOOT_MS   120000

typedef struct {
  HgVmManager *manager;
  guint        loads;
  guint        changes;
  guint        entries;  /* of the last load */
} Watch;

static void
on_loaded (HgVmManager *manager,
           Watch       *w)
{
  w->loads++;
  w->entries = hg_vm_manager_get_entries (manager)->len;
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Watch      *w)
{
  w->changes++;
}

static gboolean
loaded_once_more (gpointer data)
{
  Watch *w = data;

  return w->loads > 0;
}

/* Waits for the next load to be applied */
static void
wait_load (Watch *w)
{
  w->loads = 0;
  g_assert_true (hg_test_wait_until (loaded_once_more, w, LOAD_MS));
}

static HgVmManager *
manager_new (const char * const *bases,
             Watch              *w)
{
  w->manager = hg_vm_manager_new (bases);
  g_signal_connect (w->manager, "loaded", G_CALLBACK (on_loaded), w);
  g_signal_connect (w->manager, "items-changed", G_CALLBACK (on_items_changed), w);
  return w->manager;
}

/* The labels of the model, in order, comma-separated */
static char *
labels (HgVmManager *manager)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (manager));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HgVm) vm = g_list_model_get_item (G_LIST_MODEL (manager), i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", hg_vm_get_label (vm));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  HgVmManager *manager;
  const char  *expected;
} LabelsWait;

static gboolean
labels_are (gpointer data)
{
  LabelsWait *lw = data;
  g_autofree char *now = labels (lw->manager);

  return g_str_equal (now, lw->expected);
}

static HgVmConfig *
make_vm (const char  *label,
         char       **base)
{
  HgVmConfig *config = hg_test_make_vm ("tiny", label, base);

  if (config == NULL)
    hg_test_skip_or_fail ("the test guests are not built (tools/build-guests.sh)");
  return config;
}

static void
test_scan_two_bases (void)
{
  g_autofree char *base1 = NULL;
  g_autofree char *base2 = NULL;
  g_autofree char *spare_base = NULL;
  g_autoptr(HgVmConfig) a = make_vm ("alpha", &base1);
  g_autoptr(HgVmConfig) b = make_vm ("bravo", &base2);
  g_autoptr(HgVmConfig) c = NULL;
  g_autoptr(HgVmManager) manager = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *text = NULL;
  Watch w = { 0 };
  LabelsWait lw;
  HgVm *kept;

  if (a == NULL || b == NULL)
    return;
  {
    const char *bases[] = { base1, base2, NULL };

    manager = manager_new (bases, &w);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 0);
  hg_vm_manager_reload (manager);
  g_assert_true (hg_vm_manager_is_loading (manager));
  wait_load (&w);
  text = labels (manager);
  g_assert_cmpstr (text, ==, "alpha,bravo");
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (manager)) == HG_TYPE_VM);
  g_assert_nonnull (hg_vm_manager_lookup (manager, a->path));
  g_assert_cmpuint (w.entries, ==, 2);
  kept = hg_vm_manager_lookup (manager, a->path);

  /* a VM directory moved into base1 shows up by itself (the folder
   * monitor), and the VMs that did not change keep their HgVm */
  c = make_vm ("charlie", &spare_base);
  moved = g_build_filename (base1, "charlie", NULL);
  w.changes = 0;
  {
    g_autofree char *from = g_build_filename (spare_base, "charlie", NULL);

    g_assert_cmpint (g_rename (from, moved), ==, 0);
  }
  lw.manager = manager;
  lw.expected = "alpha,charlie,bravo";
  g_assert_true (hg_test_wait_until (labels_are, &lw, LOAD_MS));
  g_assert_cmpuint (w.changes, ==, 1);
  g_assert_true (hg_vm_manager_lookup (manager, a->path) == kept);

  /* ... and goes when it is removed */
  w.changes = 0;
  hg_test_remove_tree (moved);
  lw.expected = "alpha,bravo";
  g_assert_true (hg_test_wait_until (labels_are, &lw, LOAD_MS));
  g_assert_cmpuint (w.changes, ==, 1);

  g_clear_object (&manager);
  hg_test_remove_tree (base1);
  hg_test_remove_tree (base2);
  hg_test_remove_tree (spare_base);
}

static void
test_duplicate_uuid (void)
{
  g_autofree char *base1 = NULL;
  g_autofree char *base2 = NULL;
  g_autoptr(HgVmConfig) a = make_vm ("twin", &base1);
  g_autoptr(HgVmConfig) other = make_vm ("other", &base2);
  g_autoptr(HgVmManager) manager = NULL;
  g_autofree char *copy_conf = NULL;
  Watch w = { 0 };
  HgVm *orig;
  HgVm *copy;

  if (a == NULL || other == NULL)
    return;
  /* a cp -r copy of twin in the second base */
  {
    g_autofree char *dir = g_build_filename (base1, "twin", NULL);
    const char *argv[] = { "cp", "-r", dir, base2, NULL };

    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 10000), ==, 0);
  }
  copy_conf = g_build_filename (base2, "twin", "twin.hangar", NULL);
  {
    const char *bases[] = { base1, base2, NULL };

    manager = manager_new (bases, &w);
  }
  hg_vm_manager_reload (manager);
  wait_load (&w);
  orig = hg_vm_manager_lookup (manager, a->path);
  copy = hg_vm_manager_lookup (manager, copy_conf);
  g_assert_nonnull (orig);
  g_assert_nonnull (copy);
  g_assert_cmpstr (hg_vm_get_same_uuid_as (orig), ==, copy_conf);
  g_assert_cmpstr (hg_vm_get_same_uuid_as (copy), ==, a->path);
  g_assert_null (hg_vm_get_same_uuid_as (hg_vm_manager_lookup (manager, other->path)));

  g_clear_object (&manager);
  hg_test_remove_tree (base1);
  hg_test_remove_tree (base2);
}

static void
on_caps (GObject    *object,
         GParamSpec *pspec,
         gpointer    data)
{
  (*(guint *) data)++;
}

static gboolean
caps_landed (gpointer data)
{
  return hg_vm_manager_get_host_caps (data) != NULL;
}

static void
test_shared_caps (void)
{
  g_autofree char *base1 = NULL;
  g_autofree char *base2 = NULL;
  g_autoptr(HgVmConfig) a = make_vm ("one", &base1);
  g_autoptr(HgVmConfig) b = make_vm ("two", &base2);
  g_autoptr(HgVmConfig) c = NULL;
  g_autofree char *spare_base = NULL;
  g_autoptr(HgVmManager) manager = NULL;
  HgHostCaps *caps;
  guint notified = 0;
  Watch w = { 0 };

  if (a == NULL || b == NULL)
    return;
  {
    const char *bases[] = { base1, base2, NULL };

    manager = manager_new (bases, &w);
  }
  g_signal_connect (manager, "notify::host-caps", G_CALLBACK (on_caps), &notified);
  hg_vm_manager_reload (manager);
  wait_load (&w);
  /* probed after the first load, off the main thread: the VMs made before
   * it landed get it when it does */
  g_assert_true (hg_test_wait_until (caps_landed, manager, LOAD_MS));
  g_assert_cmpuint (notified, ==, 1);
  caps = hg_vm_manager_get_host_caps (manager);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (manager)); i++)
    {
      g_autoptr(HgVm) vm = g_list_model_get_item (G_LIST_MODEL (manager), i);

      g_assert_true (hg_vm_get_host_caps (vm) == caps);
    }
  /* a reload probes nothing again; a VM made by it shares the same caps */
  c = make_vm ("three", &spare_base);
  {
    g_autofree char *from = g_build_filename (spare_base, "three", NULL);
    g_autofree char *to = g_build_filename (base1, "three", NULL);
    g_autofree char *path = g_build_filename (to, "three.hangar", NULL);

    g_assert_cmpint (g_rename (from, to), ==, 0);
    hg_vm_manager_reload (manager);
    wait_load (&w);
    g_assert_nonnull (hg_vm_manager_lookup (manager, path));
    g_assert_true (hg_vm_get_host_caps (hg_vm_manager_lookup (manager, path)) == caps);
  }
  g_assert_cmpuint (notified, ==, 1);

  g_clear_object (&manager);
  hg_test_remove_tree (base1);
  hg_test_remove_tree (base2);
  hg_test_remove_tree (spare_base);
}

typedef struct {
  HgVm       *vm;
  const char *accel;
} AccelWait;

static void
on_vm_state_notify (HgVmManager *manager,
                    HgVm        *vm,
                    GParamSpec  *pspec,
                    guint       *count)
{
  g_assert_cmpstr (pspec->name, ==, "state");
  (*count)++;
}

static gboolean
accel_is (gpointer data)
{
  AccelWait *aw = data;

  return g_strcmp0 (hg_vm_get_accel_in_use (aw->vm), aw->accel) == 0;
}

typedef struct {
  HgVmManager *manager;
  HgVm        *old;
  const char  *path;
} ReplacedWait;

typedef struct {
  HgVm     *vm;
  gboolean  responding;
} RespondingWait;

static gboolean
responding_is (gpointer data)
{
  RespondingWait *rw = data;

  return hg_vm_is_responding (rw->vm) == rw->responding;
}

static gboolean
vm_replaced (gpointer data)
{
  ReplacedWait *rw = data;
  HgVm *now = hg_vm_manager_lookup (rw->manager, rw->path);

  return now != NULL && now != rw->old;
}

/* A QEMU started by hangarctl, behind the manager's back: attached through
 * the runtime directory's watch, shown running with the accelerator it
 * really uses and its uptime */
static void
test_attach_started_elsewhere (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("elsewhere", &base);
  g_autoptr(HgVmManager) manager = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *ctl = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Watch w = { 0 };
  AccelWait aw = { NULL, "tcg" };
  guint state_notifies = 0;
  HgVm *vm;
  int status;

  if (config == NULL)
    return;
  {
    const char *bases[] = { base, NULL };

    manager = manager_new (bases, &w);
  }
  hg_vm_manager_reload (manager);
  wait_load (&w);
  vm = hg_vm_manager_lookup (manager, config->path);
  g_assert_nonnull (vm);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_assert_cmpint (hg_vm_get_uptime (vm), ==, -1);

  /* the views follow every VM through one signal of the manager */
  g_signal_connect (manager, "vm-notify::state", G_CALLBACK (on_vm_state_notify), &state_notifies);
  ctl = hg_test_hangarctl_path ();
  {
    const char *args[] = { ctl, "--base", base, "start", "elsewhere", NULL };

    status = hg_test_run (args, &out, &err, 60000);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, BOOT_MS));
  g_assert_nonnull (hg_vm_get_qmp_client (vm));
  g_assert_true (hg_vm_is_responding (vm));
  g_assert_cmpstr (hg_vm_get_state_name (vm), ==, "running");
  g_assert_cmpint (hg_vm_get_uptime (vm), >=, 0);
  aw.vm = vm;
  g_assert_true (hg_test_wait_until (accel_is, &aw, LOAD_MS));
  g_assert_cmpuint (hg_vm_manager_count_running (manager), ==, 1);
  g_assert_cmpuint (state_notifies, >=, 1);

  /* a QEMU stopped by a signal is "not responding" (the manager's poll),
   * and responds again once it goes on */
  {
    RespondingWait rw = { vm, FALSE };
    g_autoptr(GError) error = NULL;

    g_assert_true (hg_proc_send_signal (hg_vm_get_pid (vm), -1, SIGSTOP, &error));
    g_assert_true (hg_test_wait_until (responding_is, &rw, LOAD_MS));
    g_assert_cmpstr (hg_vm_get_state_name (vm), ==, "not-responding");
    g_assert_true (hg_proc_send_signal (hg_vm_get_pid (vm), -1, SIGCONT, &error));
    rw.responding = TRUE;
    g_assert_true (hg_test_wait_until (responding_is, &rw, LOAD_MS));
    g_assert_no_error (error);
  }

  /* its config edited while it runs: a reload keeps the running HgVm (its
   * connections) and marks it stale; once it stopped, it is made anew
   * from the new config */
  {
    g_autoptr(HgVmConfig) edited = hg_vm_config_load (config->path, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (edited);
    edited->memory_mib = config->memory_mib + 16;
    g_assert_true (hg_vm_config_save (edited, &error));
    g_assert_no_error (error);
  }
  g_assert_false (hg_vm_get_config_stale (vm));
  hg_vm_manager_reload (manager);
  wait_load (&w);
  g_assert_true (hg_vm_manager_lookup (manager, config->path) == vm);
  g_assert_true (hg_vm_get_config_stale (vm));
  g_assert_cmpuint (hg_vm_get_config (vm)->memory_mib, ==, config->memory_mib);

  g_object_ref (vm);
  hg_test_vm_kill (vm);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  aw.accel = NULL;
  g_assert_true (hg_test_wait_until (accel_is, &aw, LOAD_MS));
  {
    ReplacedWait rw = { manager, vm, config->path };

    g_assert_true (hg_test_wait_until (vm_replaced, &rw, LOAD_MS));
  }
  g_assert_cmpuint (hg_vm_get_config (hg_vm_manager_lookup (manager, config->path))->memory_mib, ==,
                    config->memory_mib + 16);
  g_object_unref (vm);

  g_clear_object (&manager);
  hg_test_remove_tree (base);
}

/* The one-shot look of hangarctl: no thread, no watch, the state of the
 * VMs that may run */
static void
test_load_sync (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("oneshot", &base);
  g_autoptr(HgVmManager) manager = NULL;
  g_autoptr(HgVm) starter = NULL;
  Watch w = { 0 };
  HgVm *vm;

  if (config == NULL)
    return;
  starter = hg_vm_new_for_config (config);
  hg_test_vm_start (starter, HG_VM_START_NONE);
  {
    const char *bases[] = { base, NULL };

    manager = manager_new (bases, &w);
  }
  hg_vm_manager_load_sync (manager, 500);
  g_assert_cmpuint (w.loads, ==, 1);
  vm = hg_vm_manager_lookup (manager, config->path);
  g_assert_nonnull (vm);
  g_assert_true (vm != starter);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);

  g_clear_object (&manager);
  hg_test_vm_kill (starter);
  hg_test_remove_tree (base);
}

/* A view that lets go of its manager while it scans: the manager goes at
 * once (its scan thread does not keep it alive; it finds it gone) */
static void
test_gone_while_loading (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = make_vm ("brief", &base);
  HgVmManager *manager;
  Watch w = { 0 };

  if (config == NULL)
    return;
  {
    const char *bases[] = { base, NULL };

    manager = manager_new (bases, &w);
  }
  hg_vm_manager_reload (manager);
  g_object_add_weak_pointer (G_OBJECT (manager), (gpointer *) &manager);
  g_object_unref (manager);
  g_assert_null (manager);
  hg_test_remove_tree (base);
}

int
main (int   argc,
      char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();

  g_test_add_func ("/hangar/vm-manager/scan-two-bases", test_scan_two_bases);
  g_test_add_func ("/hangar/vm-manager/duplicate-uuid", test_duplicate_uuid);
  g_test_add_func ("/hangar/vm-manager/shared-caps", test_shared_caps);
  g_test_add_func ("/hangar/vm-manager/attach-started-elsewhere", test_attach_started_elsewhere);
  g_test_add_func ("/hangar/vm-manager/load-sync", test_load_sync);
  g_test_add_func ("/hangar/vm-manager/gone-while-loading", test_gone_while_loading);

  rc = g_test_run ();
  hg_test_runtime_cleanup ();
  return rc;
}
