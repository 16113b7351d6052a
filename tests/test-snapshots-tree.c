/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-firmware.h"
#include "hg-throwaway.h"
#include "hg-vm-manager.h"
#include "hg-vm-snapshots.h"
#include "hg-vm.h"

/*
 * The snapshot tree (hg-vm-snapshots.h) with real qcow2 images and real
 * QEMU under TCG: take, revert, delete, rename while stopped (qemu-img)
 * and while running (savevm); the metadata in the config kept in step
 * with what the images hold; raw disks refused with the reason; the
 * text and JSON of `hangarctl snapshot VM tree` against golden files.
 */

static HgHostCaps *caps;

#define SKIP_IF_NO_GUEST(config)                                         \
  if ((config) == NULL)                                                  \
    {                                                                    \
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)"); \
      return;                                                            \
    }

static HgVm *
make_vm (const char *label, char **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", label, base);

  if (config == NULL)
    return NULL;
  return hg_vm_new_full (config, NULL, caps);
}

static int
run (char **out, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  va_list ap;
  const char *arg;
  int status;

  g_ptr_array_add (argv, (char *) first);
  va_start (ap, first);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  /* an out of an earlier call is replaced */
  if (out != NULL)
    g_clear_pointer (out, g_free);
  status = hg_test_run ((const char * const *) argv->pdata, out, &err, 60000);
  if (status != 0)
    g_test_message ("%s: %s", first, err);
  return status;
}

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 120000, __VA_ARGS__)

/* A qcow2 disk of the VM (over backing, a file of its folder, if given) */
static void
add_disk (HgVm *vm, const char *name, const char *format, const char *backing)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autofree char *path = g_build_filename (config->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (backing != NULL)
    g_assert_cmpint (run (NULL, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                          backing, path, NULL), ==, 0);
  else
    g_assert_cmpint (run (NULL, "qemu-img", "create", "-q", "-f", format, path, "16M", NULL), ==, 0);
  g_ptr_array_add (config->disks, hg_disk_new (name, format, "virtio"));
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
}

static char *
checksum (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* qemu-io on a stopped VM's disk: the guest's view of 64 KiB at 0 */
static void
disk_write (HgVm *vm, const char *name, int pattern)
{
  g_autofree char *path = g_build_filename (hg_vm_get_config (vm)->dir, name, NULL);
  g_autofree char *cmd = g_strdup_printf ("write -P %d 0 64k", pattern);

  g_assert_cmpint (run (NULL, "qemu-io", "-f", "qcow2", "-c", cmd, path, NULL), ==, 0);
}

static gboolean
disk_holds (HgVm *vm, const char *name, int pattern)
{
  g_autofree char *path = g_build_filename (hg_vm_get_config (vm)->dir, name, NULL);
  g_autofree char *cmd = g_strdup_printf ("read -P %d 0 64k", pattern);
  g_autofree char *out = NULL;

  g_assert_cmpint (run (&out, "qemu-io", "-f", "qcow2", "-c", cmd, path, NULL), ==, 0);
  return strstr (out, "Pattern verification failed") == NULL;
}

static HgSnapshotTree *
tree_of (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgSnapshotTree *tree;

  hg_vm_snapshots_get_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  tree = hg_vm_snapshots_get_finish (vm, result, &error);
  g_assert_no_error (error);
  return tree;
}

typedef enum { TAKE, REVERT, DELETE, RENAME } Verb;

static gboolean
op (HgVm *vm, Verb verb, const char *name, const char *arg, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  switch (verb)
    {
    case TAKE:
      hg_vm_snapshots_take_async (vm, name, arg, NULL, hg_test_store_result, &result);
      break;
    case REVERT:
      hg_vm_snapshots_revert_async (vm, name, NULL, hg_test_store_result, &result);
      break;
    case DELETE:
      hg_vm_snapshots_delete_async (vm, name, NULL, hg_test_store_result, &result);
      break;
    case RENAME:
      hg_vm_snapshots_edit_async (vm, name, arg, NULL, NULL, hg_test_store_result, &result);
      break;
    }
  g_assert_true (hg_test_wait_result (&result, 120000));
  return hg_vm_snapshots_finish (vm, result, error);
}

#define OK(vm, verb, name, arg)                                   \
  G_STMT_START {                                                  \
    g_autoptr(GError) e_ = NULL;                                  \
    op ((vm), (verb), (name), (arg), &e_);                        \
    g_assert_no_error (e_);                                       \
  } G_STMT_END

static const char *
parent_of (HgSnapshotTree *tree, const char *name)
{
  HgSnapshot *s = hg_snapshot_tree_find (tree, name);

  g_assert_nonnull (s);
  return s->parent;
}

static char *
config_text (HgVm *vm)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (hg_vm_get_config (vm)->path, &text, NULL, NULL));
  return text;
}

/* Stopped: disks only, through qemu-img; two disks, one over a base
 * image that no operation touches */
static void
test_stopped (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapoff", &base);
  g_autoptr(HgSnapshotTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_img = NULL;
  g_autofree char *base_sum = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  SKIP_IF_NO_GUEST (vm);
  base_img = g_build_filename (hg_vm_get_config (vm)->dir, "base.qcow2", NULL);
  g_assert_cmpint (run (NULL, "qemu-img", "create", "-q", "-f", "qcow2", base_img, "16M", NULL), ==, 0);
  base_sum = checksum (base_img);
  add_disk (vm, "a.qcow2", "qcow2", "base.qcow2");
  add_disk (vm, "b.qcow2", "qcow2", NULL);

  /* a -> b, then back to a and c: a has two children */
  disk_write (vm, "a.qcow2", 1);
  OK (vm, TAKE, "first", "the first one");
  disk_write (vm, "a.qcow2", 2);
  OK (vm, TAKE, "second", NULL);
  disk_write (vm, "a.qcow2", 3);
  OK (vm, REVERT, "first", NULL);
  g_assert_true (disk_holds (vm, "a.qcow2", 1));
  OK (vm, TAKE, "third", NULL);

  tree = tree_of (vm);
  g_assert_cmpuint (tree->snapshots->len, ==, 3);
  g_assert_null (parent_of (tree, "first"));
  g_assert_cmpstr (parent_of (tree, "second"), ==, "first");
  g_assert_cmpstr (parent_of (tree, "third"), ==, "first");
  g_assert_cmpstr (tree->current, ==, "third");
  g_assert_false (hg_snapshot_tree_find (tree, "first")->ram);
  g_assert_cmpstr (hg_snapshot_tree_find (tree, "first")->description, ==, "the first one");
  g_clear_pointer (&tree, hg_snapshot_tree_free);
  text = config_text (vm);
  g_assert_nonnull (strstr (text, "[snapshot:first]\ndescription=the first one\n"));
  g_assert_nonnull (strstr (text, "[snapshots]\ncurrent=third\n"));

  /* a taken name, a missing one */
  g_assert_false (op (vm, TAKE, "second", NULL, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS);
  g_assert_nonnull (strstr (error->message, "'second'"));
  g_clear_error (&error);
  g_assert_false (op (vm, REVERT, "none", NULL, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_NOT_FOUND);
  g_clear_error (&error);

  /* the middle one goes: its children keep their data and become roots */
  OK (vm, DELETE, "first", NULL);
  tree = tree_of (vm);
  g_assert_cmpuint (tree->snapshots->len, ==, 2);
  g_assert_null (parent_of (tree, "second"));
  g_assert_null (parent_of (tree, "third"));
  g_clear_pointer (&tree, hg_snapshot_tree_free);
  OK (vm, REVERT, "second", NULL);
  g_assert_true (disk_holds (vm, "a.qcow2", 2));
  OK (vm, REVERT, "third", NULL);
  g_assert_true (disk_holds (vm, "a.qcow2", 1));

  /* rename: the name shown and used, the images keep the tag */
  OK (vm, RENAME, "second", "renamed");
  tree = tree_of (vm);
  g_assert_cmpstr (hg_snapshot_tree_find (tree, "renamed")->tag, ==, "second");
  g_clear_pointer (&tree, hg_snapshot_tree_free);
  OK (vm, REVERT, "renamed", NULL);
  g_assert_true (disk_holds (vm, "a.qcow2", 2));
  g_assert_false (op (vm, RENAME, "third", "renamed", &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS);
  g_clear_error (&error);

  /* hangarctl: the tree, and revert asks for --force naming what is lost */
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "tree", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "renamed"));
  g_assert_nonnull (strstr (out, "You are here"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "tree", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"current\" : \"second\""));
  g_assert_nonnull (strstr (out, "\"name\" : \"renamed\",\n      \"tag\" : \"second\""));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "revert", "third", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "since snapshot 'renamed'"));
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "revert", "--force", "third",
                        NULL), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "take", "-d", "two\nlines", "x",
                        NULL), ==, 2);
  g_assert_nonnull (strstr (err, "description"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapoff", "delete", "renamed", NULL), ==, 0);

  /* the base image was never written */
  sum = checksum (base_img);
  g_assert_cmpstr (sum, ==, base_sum);
  hg_test_remove_tree (base);
}

/* Running: RAM + disks through savevm; a disks-only snapshot is reverted
 * to only while stopped */
static void
test_running (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapon", &base);
  g_autoptr(HgSnapshotTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "disk.qcow2", "qcow2", NULL);
  OK (vm, TAKE, "cold", NULL);
  hg_test_vm_start (vm, 0);
  OK (vm, TAKE, "warm", "running");
  OK (vm, TAKE, "warm2", NULL);
  OK (vm, REVERT, "warm", NULL);
  g_assert_true (hg_vm_is_active (vm));
  g_assert_false (op (vm, REVERT, "cold", NULL, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "stop the VM"));
  g_clear_error (&error);
  OK (vm, DELETE, "warm", NULL);   /* the middle one */
  tree = tree_of (vm);
  g_assert_cmpuint (tree->snapshots->len, ==, 2);
  g_assert_cmpstr (parent_of (tree, "warm2"), ==, "cold");
  g_assert_true (hg_snapshot_tree_find (tree, "warm2")->ram);
  g_assert_cmpstr (tree->current, ==, "cold");
  g_clear_pointer (&tree, hg_snapshot_tree_free);
  OK (vm, REVERT, "warm2", NULL);
  g_assert_true (hg_vm_is_active (vm));
  /* hangarctl, over the second QMP socket */
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapon", "tree", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "`-- cold  "));
  g_assert_nonnull (strstr (out, "    `-- warm2  "));
  g_assert_nonnull (strstr (out, "  (running)\n        `-- You are here"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapon", "take", "-d", "from the CLI", "cli",
                        NULL), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapon", "tree", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "cli  "));
  g_assert_nonnull (strstr (out, "(running)  “from the CLI”"));

  hg_test_vm_kill (vm);
  /* stopped: both are loadable from the disk */
  OK (vm, REVERT, "cold", NULL);
  OK (vm, REVERT, "warm2", NULL);
  hg_test_remove_tree (base);
}

/* The images are the truth: metadata of a snapshot gone from them is
 * dropped with a note, one without metadata is "found in the disk" */
static void
test_reconcile (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapsync", &base);
  g_autoptr(HgSnapshotTree) tree = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *text = NULL;
  HgSnapshot *s;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "disk.qcow2", "qcow2", NULL);
  disk = g_build_filename (hg_vm_get_config (vm)->dir, "disk.qcow2", NULL);
  OK (vm, TAKE, "gone", NULL);
  OK (vm, TAKE, "kid", NULL);
  g_assert_cmpint (run (NULL, "qemu-img", "snapshot", "-d", "gone", disk, NULL), ==, 0);
  g_assert_cmpint (run (NULL, "qemu-img", "snapshot", "-c", "extra", disk, NULL), ==, 0);

  tree = tree_of (vm);
  g_assert_cmpuint (tree->notes->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (tree->notes, 0), "“gone” is no longer in the disks"));
  g_assert_null (hg_snapshot_tree_find (tree, "gone"));
  g_assert_null (parent_of (tree, "kid"));
  s = hg_snapshot_tree_find (tree, "extra");
  g_assert_nonnull (s);
  g_assert_true (s->found_in_disk);
  g_assert_cmpint (s->time, >, 0);
  text = config_text (vm);
  g_assert_null (strstr (text, "[snapshot:gone]"));
  g_assert_null (strstr (text, "[snapshot:extra]"));
  g_assert_nonnull (strstr (text, "[snapshot:kid]"));
  hg_test_remove_tree (base);
}

/* raw (and vmdk) cannot hold snapshots: refused, the disk and the command
 * that converts it named, nothing written */
static void
test_raw_refused (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapraw", &base);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "disk.qcow2", "qcow2", NULL);
  add_disk (vm, "disk.raw", "raw", NULL);
  before = config_text (vm);
  g_assert_false (op (vm, TAKE, "s", NULL, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "[disk:1] disk.raw of VM 'snapraw' is raw, which "
                                            "cannot hold snapshots"));
  g_assert_nonnull (strstr (error->message, "hangarctl disk snapraw convert disk1 qcow2"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapraw", "take", "s", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "convert disk1 qcow2"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapraw", "tree", NULL), ==, 1);
  after = config_text (vm);
  g_assert_cmpstr (before, ==, after);
  {
    g_autofree char *qcow = g_build_filename (hg_vm_get_config (vm)->dir, "disk.qcow2", NULL);

    g_assert_cmpint (run (&out, "qemu-img", "snapshot", "-l", qcow, NULL), ==, 0);
    g_assert_cmpstr (out, ==, "");
  }
  /* vmdk the same */
  g_clear_error (&error);
  {
    HgVmConfig *config = hg_vm_get_config (vm);

    g_ptr_array_remove_index (config->disks, 1);
    add_disk (vm, "disk.vmdk", "vmdk", NULL);
    g_assert_false (op (vm, TAKE, "s", NULL, &error));
    g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "disk.vmdk of VM 'snapraw' is vmdk"));
    g_assert_nonnull (strstr (error->message, "convert disk1 qcow2"));
  }
  hg_test_remove_tree (base);
}

static char *
monitor (HgVm *vm, const char *line)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *answer;

  hg_vm_monitor_async (vm, line, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  answer = hg_vm_monitor_finish (vm, result, &error);
  g_assert_no_error (error);
  return answer;
}

/* Throwaway: the guest's writes land in an overlay in the runtime folder;
 * after the stop the real disks are byte for byte as before and the
 * overlays are gone; snapshots are refused meanwhile */
static void
test_throwaway (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapthrow", &base);
  g_autoptr(GError) error = NULL;
  g_autofree char *qcow = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *qcow_sum = NULL;
  g_autofree char *raw_sum = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *overlay0 = NULL;
  g_autofree char *overlay1 = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) argv = NULL;
  const HgRuntimePaths *paths;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "disk.qcow2", "qcow2", NULL);
  add_disk (vm, "disk.raw", "raw", NULL);
  qcow = g_build_filename (hg_vm_get_config (vm)->dir, "disk.qcow2", NULL);
  raw = g_build_filename (hg_vm_get_config (vm)->dir, "disk.raw", NULL);
  qcow_sum = checksum (qcow);
  raw_sum = checksum (raw);

  hg_test_vm_start (vm, HG_VM_START_THROWAWAY);
  paths = hg_vm_get_runtime_paths (vm);
  overlay0 = hg_throwaway_overlay_path (paths, 0);
  overlay1 = hg_throwaway_overlay_path (paths, 1);
  g_assert_true (g_file_test (overlay0, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (overlay1, G_FILE_TEST_IS_REGULAR));
  g_assert_true (hg_throwaway_is_active (paths));
  /* the device writes, as the guest would */
  answer = monitor (vm, "qemu-io disk0 \"write -P 0x55 0 64k\"");
  g_assert_null (strstr (answer, "rror"));
  g_clear_pointer (&answer, g_free);
  answer = monitor (vm, "qemu-io disk1 \"write -P 0x66 0 64k\"");
  g_assert_null (strstr (answer, "rror"));
  g_clear_pointer (&answer, g_free);
  answer = monitor (vm, "qemu-io disk0 \"read -P 0x55 0 64k\"");
  g_assert_null (strstr (answer, "Pattern verification failed"));
  /* a snapshot would go with the overlay */
  g_assert_false (op (vm, TAKE, "lost", NULL, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "without saving changes"));
  g_clear_error (&error);

  hg_test_vm_kill (vm);
  g_assert_false (g_file_test (overlay0, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (overlay1, G_FILE_TEST_EXISTS));
  g_assert_false (hg_throwaway_is_active (paths));
  sum = checksum (qcow);
  g_assert_cmpstr (sum, ==, qcow_sum);
  g_clear_pointer (&sum, g_free);
  sum = checksum (raw);
  g_assert_cmpstr (sum, ==, raw_sum);

  /* hangarctl start --throwaway, then stop: the same */
  g_assert_cmpint (ctl (base, &out, &err, "start", "--throwaway", "snapthrow", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Changes will be discarded"));
  g_assert_true (g_file_test (overlay0, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (ctl (base, &out, &err, "kill", "snapthrow", NULL), ==, 0);
  g_assert_false (g_file_test (overlay0, G_FILE_TEST_EXISTS));
  g_clear_pointer (&sum, g_free);
  sum = checksum (qcow);
  g_assert_cmpstr (sum, ==, qcow_sum);

  /* a leftover (a crash nobody saw) goes at the next start */
  g_assert_true (g_file_set_contents (overlay1, "left over", -1, NULL));
  hg_test_vm_start (vm, 0);
  g_assert_false (g_file_test (overlay1, G_FILE_TEST_EXISTS));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static gboolean
manager_idle (gpointer manager)
{
  return !hg_vm_manager_is_loading (manager);
}

/* The metadata a snapshot writes into the config is no edit of the VM: a
 * library reload keeps the running VM, not marked stale */
static void
test_not_stale (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) made = make_vm ("snapstale", &base);
  g_autoptr(HgVmManager) manager = NULL;
  g_autofree char *path = NULL;
  const char *bases[2] = { NULL, NULL };
  HgVm *vm;

  SKIP_IF_NO_GUEST (made);
  add_disk (made, "disk.qcow2", "qcow2", NULL);
  path = g_strdup (hg_vm_get_config (made)->path);
  bases[0] = base;
  manager = hg_vm_manager_new (bases);
  hg_vm_manager_load_sync (manager, 2000);
  vm = hg_vm_manager_lookup (manager, path);
  g_assert_nonnull (vm);
  hg_test_vm_start (vm, 0);
  OK (vm, TAKE, "one", "from the manager's VM");
  hg_vm_manager_reload (manager);
  g_assert_true (hg_test_wait_until (manager_idle, manager, 30000));
  g_assert_true (hg_vm_manager_lookup (manager, path) == vm);
  g_assert_false (hg_vm_get_config_stale (vm));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* A stopped UEFI VM's snapshot covers its variables too, as savevm does;
 * variables naming a file outside the VM's folder are refused unopened */
static void
test_uefi_vars_stopped (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("snapuefi", &base);
  g_autoptr(GError) error = NULL;
  g_autofree char *vars = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *out = NULL;
  g_autofree char *opt = NULL;
  HgVmConfig *config;

  SKIP_IF_NO_GUEST (vm);
  config = hg_vm_get_config (vm);
  config->firmware = HG_FIRMWARE_UEFI;
  add_disk (vm, "disk.qcow2", "qcow2", NULL);
  vars = g_build_filename (config->dir, hg_firmware_nvram_name (HG_FIRMWARE_UEFI), NULL);
  g_assert_cmpint (run (NULL, "qemu-img", "create", "-q", "-f", "qcow2", vars, "1M", NULL), ==, 0);
  OK (vm, TAKE, "with-vars", NULL);
  g_assert_cmpint (run (&out, "qemu-img", "snapshot", "-l", vars, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "with-vars"));
  OK (vm, REVERT, "with-vars", NULL);
  OK (vm, DELETE, "with-vars", NULL);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (&out, "qemu-img", "snapshot", "-l", vars, NULL), ==, 0);
  g_assert_null (strstr (out, "with-vars"));

  /* variables whose data lives in a file outside the folder */
  outside = g_build_filename (base, "elsewhere.raw", NULL);
  opt = g_strdup_printf ("data_file=%s", outside);
  g_assert_cmpint (g_unlink (vars), ==, 0);
  g_assert_cmpint (run (NULL, "qemu-img", "create", "-q", "-f", "qcow2", "-o", opt, vars, "1M",
                        NULL), ==, 0);
  g_assert_false (op (vm, TAKE, "hostile", NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "elsewhere.raw"));
  g_clear_pointer (&out, g_free);
  {
    g_autofree char *qcow = g_build_filename (config->dir, "disk.qcow2", NULL);

    g_assert_cmpint (run (&out, "qemu-img", "snapshot", "-l", qcow, NULL), ==, 0);
    g_assert_null (strstr (out, "hostile"));
  }
  hg_test_remove_tree (base);
}

/* The text and JSON of a tree, against tests/data/snapshots/ */
static void
check_golden (const char *name, const char *got)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "snapshots", name, NULL);
  g_autofree char *want = NULL;

  if (g_getenv ("HANGAR_REGENERATE") != NULL)
    g_assert_true (g_file_set_contents (path, got, -1, NULL));
  g_assert_true (g_file_get_contents (path, &want, NULL, NULL));
  g_assert_cmpstr (got, ==, want);
}

static void
test_golden (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "snapshots", "tree.hangar", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(HgSnapshotTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json_text = NULL;
  const char *in_image[] = { "base", "install", "broken", "fixed", "nightly", "lost-meta", NULL };
  const gint64 times[] = { 1, 2, 3, 4, 5, 1796083200 };

  g_assert_true (g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, &error));
  g_assert_no_error (error);
  tree = hg_snapshot_tree_from_keyfile (kf);
  /* [snapshot:gone] is not in the images; lost-meta has no metadata */
  g_assert_true (hg_snapshot_tree_reconcile (tree, in_image, times));
  text = hg_snapshot_tree_format (tree);
  check_golden ("tree.txt", text);
  json = hg_snapshot_tree_to_json (tree);
  json_text = json_to_string (json, TRUE);
  check_golden ("tree.json", json_text);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/snapshots-tree/golden", test_golden);
  g_test_add_func ("/hangar/snapshots-tree/stopped", test_stopped);
  g_test_add_func ("/hangar/snapshots-tree/running", test_running);
  g_test_add_func ("/hangar/snapshots-tree/reconcile", test_reconcile);
  g_test_add_func ("/hangar/snapshots-tree/raw-refused", test_raw_refused);
  g_test_add_func ("/hangar/snapshots-tree/throwaway", test_throwaway);
  g_test_add_func ("/hangar/snapshots-tree/not-stale", test_not_stale);
  g_test_add_func ("/hangar/snapshots-tree/uefi-vars-stopped", test_uefi_vars_stopped);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
