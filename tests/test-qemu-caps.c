/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "hg-cmdline.h"
#include "hg-ctys.h"
#include "hg-qemu-caps.h"
#include "hg-vm-spec.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

/* What the installed QEMU offers, asked of it over QMP (hg-qemu-caps.h).
 * HANGAR_REGENERATE=1 rewrites the recorded capabilities under
 * tests/data/qemu-caps/ (x86_64, aarch64, arm) that the golden argv test
 * (test-cmdline.c) builds against. */

static char *
emulator_or_skip (const char *arch)
{
  char *path = hg_qemu_caps_find_emulator (arch);

  if (path == NULL)
    hg_test_skip_or_fail ("qemu-system-* is not installed (Debian package qemu-system)");
  return path;
}

static char *
recorded_file (const char *arch)
{
  g_autofree char *name = g_strconcat (arch, ".json", NULL);

  return g_test_build_filename (G_TEST_DIST, "data", "qemu-caps", name, NULL);
}

static void
test_probe_x86_64 (void)
{
  g_autofree char *path = emulator_or_skip ("x86_64");
  g_autofree char *cache = NULL;
  g_autoptr(HgQemuCaps) caps = NULL;
  g_autoptr(GError) error = NULL;
  const HgQemuMachine *pc, *q35, *def;
  const char *def_name;

  if (path == NULL)
    return;
  cache = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  caps = hg_qemu_caps_probe (path, cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (caps);
  g_assert_false (hg_qemu_caps_is_from_cache (caps));
  g_assert_cmpstr (hg_qemu_caps_get_arch (caps), ==, "x86_64");
  g_assert_nonnull (hg_qemu_caps_get_version (caps));

  /* pc and q35 are aliases of the versioned machine types */
  pc = hg_qemu_caps_find_machine (caps, "pc");
  q35 = hg_qemu_caps_find_machine (caps, "q35");
  g_assert_nonnull (pc);
  g_assert_nonnull (q35);
  g_assert_cmpstr (pc->alias, ==, "pc");
  g_assert_true (g_str_has_prefix (pc->name, "pc-i440fx-"));
  g_assert_cmpstr (q35->alias, ==, "q35");
  g_assert_true (g_str_has_prefix (q35->name, "pc-q35-"));
  g_assert_true (hg_qemu_caps_find_machine (caps, pc->name) == pc);
  def_name = hg_qemu_caps_get_default_machine (caps);
  g_assert_nonnull (def_name);
  def = hg_qemu_caps_find_machine (caps, def_name);
  g_assert_nonnull (def);
  g_assert_true (def->is_default);
  g_assert_null (hg_qemu_caps_find_machine (caps, "integratorcp"));

  g_assert_true (hg_qemu_caps_has_cpu (caps, "qemu64"));
  g_assert_false (hg_qemu_caps_has_cpu (caps, "cortex-a15"));
  g_assert_true (hg_qemu_caps_has_device (caps, "virtio-net-pci"));
  g_assert_true (hg_qemu_caps_has_device (caps, "e1000"));
  g_assert_true (g_strv_contains (hg_qemu_caps_get_accels (caps), "tcg"));

  if (g_strcmp0 (g_getenv ("HANGAR_REGENERATE"), "1") == 0)
    {
      const char *arches[] = { "x86_64", "aarch64", "arm" };

      for (guint i = 0; i < G_N_ELEMENTS (arches); i++)
        {
          g_autofree char *emu = hg_qemu_caps_find_emulator (arches[i]);
          g_autofree char *file = recorded_file (arches[i]);
          g_autoptr(HgQemuCaps) rec = NULL;
          g_autofree char *json = NULL;

          g_assert_nonnull (emu);
          rec = hg_qemu_caps_probe (emu, cache, NULL, &error);
          g_assert_no_error (error);
          json = hg_qemu_caps_to_json (rec);
          g_file_set_contents (file, json, -1, &error);
          g_assert_no_error (error);
        }
    }
  hg_test_remove_tree (cache);
}

/* The recorded capabilities read back, as the golden test uses them */
static void
test_recorded (void)
{
  const char *arches[] = { "x86_64", "aarch64", "arm" };

  for (guint i = 0; i < G_N_ELEMENTS (arches); i++)
    {
      g_autofree char *file = recorded_file (arches[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(HgQemuCaps) caps = hg_qemu_caps_new_from_file (file, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (hg_qemu_caps_get_arch (caps), ==, arches[i]);
      g_assert_cmpuint (hg_qemu_caps_get_machines (caps)->len, >, 10);
      g_assert_nonnull (hg_qemu_caps_find_machine (caps, i == 0 ? "q35" : "virt"));
    }
}

static guint
count_runs (const char *counter)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (counter, &text, NULL, NULL))
    return 0;
  return (guint) strlen (text);
}

/* A wrapper script around the real emulator, in a temporary directory,
 * counts its runs: the cache is used on the second call and refreshed when
 * the binary's mtime changes or the cache file is corrupt. */
static void
test_cache (void)
{
  g_autofree char *real = emulator_or_skip ("x86_64");
  g_autofree char *dir = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *counter = NULL;
  g_autofree char *script = NULL;
  g_autofree char *cache_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgQemuCaps) first = NULL;
  g_autoptr(HgQemuCaps) second = NULL;
  g_autoptr(HgQemuCaps) third = NULL;
  g_autoptr(HgQemuCaps) fourth = NULL;
  g_autoptr(HgQemuCaps) reread = NULL;
  struct stat st;
  struct utimbuf times;

  if (real == NULL)
    return;
  dir = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  cache = g_build_filename (dir, "cache", NULL);
  wrapper = g_build_filename (dir, "qemu-system-x86_64", NULL);
  counter = g_build_filename (dir, "runs", NULL);
  cache_file = g_build_filename (cache, "qemu-system-x86_64.json", NULL);
  script = g_strdup_printf ("#!/bin/sh\nprintf x >> '%s'\nexec '%s' \"$@\"\n", counter, real);
  g_file_set_contents (wrapper, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);

  first = hg_qemu_caps_probe (wrapper, cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hg_qemu_caps_is_from_cache (first));
  g_assert_cmpuint (count_runs (counter), ==, 1);
  g_assert_true (g_file_test (cache_file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (hg_qemu_caps_get_path (first), ==, wrapper);

  /* Second call: from the cache, QEMU not run */
  second = hg_qemu_caps_probe (wrapper, cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hg_qemu_caps_is_from_cache (second));
  g_assert_cmpuint (count_runs (counter), ==, 1);
  g_assert_cmpuint (hg_qemu_caps_get_machines (second)->len, ==,
                    hg_qemu_caps_get_machines (first)->len);
  g_assert_cmpstr (hg_qemu_caps_get_default_machine (second), ==,
                   hg_qemu_caps_get_default_machine (first));

  /* The binary changes (its mtime): probed again */
  g_assert_cmpint (g_stat (wrapper, &st), ==, 0);
  times.actime = st.st_atime;
  times.modtime = st.st_mtime - 100;
  g_assert_cmpint (utime (wrapper, &times), ==, 0);
  g_assert_null (hg_qemu_caps_load_cached (wrapper, cache));
  third = hg_qemu_caps_probe (wrapper, cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hg_qemu_caps_is_from_cache (third));
  g_assert_cmpuint (count_runs (counter), ==, 2);

  /* A corrupt cache file is ignored and rewritten */
  g_file_set_contents (cache_file, "{\"format\": 1, \"machines\": [", -1, &error);
  g_assert_no_error (error);
  g_assert_null (hg_qemu_caps_load_cached (wrapper, cache));
  fourth = hg_qemu_caps_probe (wrapper, cache, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hg_qemu_caps_is_from_cache (fourth));
  g_assert_cmpuint (count_runs (counter), ==, 3);
  reread = hg_qemu_caps_load_cached (wrapper, cache);
  g_assert_nonnull (reread);
  g_assert_true (hg_qemu_caps_is_from_cache (reread));

  hg_test_remove_tree (dir);
}

/* A binary that is no QEMU: a clear error naming it, nothing cached */
static void
test_not_qemu (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *fake = g_build_filename (dir, "qemu-system-fake", NULL);
  g_autofree char *cache_file = g_build_filename (cache, "qemu-system-fake.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgQemuCaps) caps = NULL;

  g_file_set_contents (fake, "#!/bin/sh\necho 'not a QEMU'\nexit 1\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  caps = hg_qemu_caps_probe (fake, cache, NULL, &error);
  g_assert_null (caps);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, fake));
  g_assert_false (g_file_test (cache_file, G_FILE_TEST_EXISTS));
  hg_test_remove_tree (dir);
}

static void
probed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  HgQemuCaps **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hg_qemu_caps_probe_finish (result, &error);
  g_assert_no_error (error);
}

/* The async probe answers on the caller's main context */
static void
test_probe_async (void)
{
  g_autofree char *path = emulator_or_skip ("aarch64");
  g_autofree char *cache = NULL;
  g_autoptr(HgQemuCaps) caps = NULL;
  gint64 deadline;

  if (path == NULL)
    return;
  cache = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  hg_qemu_caps_probe_async (path, cache, NULL, probed, &caps);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (caps == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (caps);
  g_assert_cmpstr (hg_qemu_caps_get_arch (caps), ==, "aarch64");
  g_assert_nonnull (hg_qemu_caps_find_machine (caps, "virt"));
  hg_test_remove_tree (cache);
}

static void
probed_all (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GPtrArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hg_qemu_caps_probe_all_finish (result, &error);
  g_assert_no_error (error);
}

/* Every emulator of a directory, one after the other in a worker thread:
 * one that is no QEMU is left out, the others answer */
static void
test_probe_all_async (void)
{
  g_autofree char *real = emulator_or_skip ("arm");
  g_autofree char *dir = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *fake = NULL;
  g_autofree char *script = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  if (real == NULL)
    return;
  dir = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  cache = g_build_filename (dir, "cache", NULL);
  wrapper = g_build_filename (dir, "qemu-system-arm", NULL);
  fake = g_build_filename (dir, "qemu-system-fake", NULL);
  script = g_strdup_printf ("#!/bin/sh\nexec '%s' \"$@\"\n", real);
  g_file_set_contents (wrapper, script, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (fake, "#!/bin/sh\nexit 1\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);

  g_setenv ("HANGAR_QEMU_DIR", dir, TRUE);
  hg_qemu_caps_probe_all_async (cache, NULL, probed_all, &all);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (all == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* not before: the worker thread reads it */
  g_unsetenv ("HANGAR_QEMU_DIR");
  g_assert_nonnull (all);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpstr (hg_qemu_caps_get_arch (g_ptr_array_index (all, 0)), ==, "arm");
  g_assert_cmpstr (hg_qemu_caps_get_path (g_ptr_array_index (all, 0)), ==, wrapper);
  hg_test_remove_tree (dir);
}

/* Every installed emulator is found, not a fixed list */
static void
test_find_emulators (void)
{
  g_auto(GStrv) paths = hg_qemu_caps_find_emulators ();
  g_autofree char *x86 = emulator_or_skip ("x86_64");

  if (x86 == NULL)
    return;
  g_assert_true (g_strv_contains ((const char * const *) paths, x86));
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);

      g_assert_true (g_str_has_prefix (base, "qemu-system-"));
      g_assert_null (strchr (base + strlen ("qemu-system-"), '-'));
      g_assert_true (hg_host_arch_is_known (base + strlen ("qemu-system-")));
    }
}

static HgVmConfig *
config_from (const char *text,
             GError    **error)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "t.hangar", NULL);
  HgVmConfig *config;

  g_file_set_contents (file, text, -1, NULL);
  config = hg_vm_config_load (file, error);
  g_unlink (file);
  g_rmdir (dir);
  return config;
}

#define X86_CONFIG_CPU(machine, cpu) \
  "[machine]\nlabel=t\nuuid=7d7bd0c4-5b3e-4d6f-9c61-0b2f8f3c1a11\narch=x86_64\n" \
  "machine=" machine "\ncpu=" cpu "\nmemory=256\n[boot]\nmode=kernel\nkernel=/boot/vmlinuz\n"
#define X86_CONFIG(machine) X86_CONFIG_CPU (machine, "")

/* An unknown machine for an installed emulator is refused, naming it, the
 * arch and some valid ones: by the config check (from the cache) and by the
 * command assembly (from the caps) */
static void
test_unknown_machine (void)
{
  g_autofree char *x86 = emulator_or_skip ("x86_64");
  g_autofree char *cache_root = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *rec = recorded_file ("x86_64");
  g_autoptr(HgQemuCaps) probed_caps = NULL;
  g_autoptr(HgQemuCaps) recorded = NULL;
  g_autoptr(HgVmConfig) bad = NULL;
  g_autoptr(HgVmConfig) good = NULL;
  g_autoptr(HgHostCaps) host = NULL;
  g_autoptr(HgRuntimePaths) runtime = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;

  if (x86 == NULL)
    return;

  /* Nothing cached yet: accepted (QEMU would refuse it at start) */
  good = config_from (X86_CONFIG ("pc-nosuch-9.9"), &error);
  g_assert_no_error (error);

  /* The command assembly, with the recorded capabilities */
  recorded = hg_qemu_caps_new_from_file (rec, &error);
  g_assert_no_error (error);
  host = hg_host_caps_new_fixed (FALSE);
  hg_host_caps_set_qemu_caps (host, "x86_64", recorded);
  runtime = hg_runtime_paths_new ("/run/user/1000/hangar", "t");
  argv = hg_cmdline_build (good, HG_BOOT_KERNEL, runtime, host, NULL, &error);
  g_assert_null (argv);
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "\"pc-nosuch-9.9\""));
  g_assert_nonnull (strstr (error->message, "x86_64"));
  g_assert_nonnull (strstr (error->message, "q35"));
  g_clear_error (&error);

  /* A CPU model the emulator does not have, likewise */
  g_free (good->machine);
  good->machine = g_strdup ("q35");
  good->cpu_model = g_strdup ("cortex-a15");
  argv = hg_cmdline_build (good, HG_BOOT_KERNEL, runtime, host, NULL, &error);
  g_assert_null (argv);
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "\"cortex-a15\""));
  g_clear_error (&error);
  g_clear_pointer (&good, hg_vm_config_unref);

  /* Cached in the user's cache dir (XDG_CACHE_HOME, set in main): the
   * config check refuses it */
  cache_root = g_strdup (g_get_user_cache_dir ());
  cache = hg_qemu_caps_default_cache_dir ();
  probed_caps = hg_qemu_caps_probe (x86, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (cache, G_FILE_TEST_IS_DIR));

  bad = config_from (X86_CONFIG ("pc-nosuch-9.9"), &error);
  g_assert_null (bad);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "pc-nosuch-9.9"));
  g_assert_nonnull (strstr (error->message, "qemu-system-x86_64"));
  g_assert_nonnull (strstr (error->message, "q35"));
  g_assert_nonnull (strstr (error->message, "[machine]"));
  g_clear_error (&error);

  bad = config_from (X86_CONFIG_CPU ("q35", "cortex-a15"), &error);
  g_assert_null (bad);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "cortex-a15"));
  g_assert_nonnull (strstr (error->message, "cpu"));
  g_clear_error (&error);

  /* An alias and a versioned name are both machines of it */
  good = config_from (X86_CONFIG ("q35"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&good, hg_vm_config_unref);
  good = config_from (X86_CONFIG ("pc"), &error);
  g_assert_no_error (error);

  hg_test_remove_tree (cache_root);
}

/* The manual's QEMU-arm-test: imported from ctys, it validates, its
 * command line (built against the recorded capabilities) runs the
 * integratorcp board, and so does `hangarctl cmdline` on this host */
static void
test_ctys_integratorcp (void)
{
  g_autofree char *arm = emulator_or_skip ("arm");
  g_autofree char *ctys = g_test_build_filename (G_TEST_DIST, "data", "ctys", "tst324.ctys", NULL);
  g_autofree char *rec = recorded_file ("arm");
  g_autofree char *base = NULL;
  g_autofree char *written = NULL;
  g_autofree char *lib = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hangarctl = NULL;
  const char *beside[] = { "zImage.integrator", "arm_root.img", "tst324.img" };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(HgCtysImport) imp = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgQemuCaps) recorded = NULL;
  g_autoptr(HgHostCaps) host = NULL;
  g_autoptr(HgRuntimePaths) runtime = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  gboolean machine_seen = FALSE;
  int status = -1;

  if (arm == NULL)
    return;
  /* The .ctys file in a directory of its own, with the files it names
   * (kernel, initrd, the disk ctys would have created) beside it */
  base = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  lib = g_build_filename (base, "lib", NULL);
  g_assert_true (g_file_get_contents (ctys, &text, NULL, &error));
  copy = g_build_filename (base, "tst324.ctys", NULL);
  g_assert_true (g_file_set_contents (copy, text, -1, &error));
  for (guint i = 0; i < G_N_ELEMENTS (beside); i++)
    {
      g_autofree char *f = g_build_filename (base, beside[i], NULL);

      g_assert_true (g_file_set_contents (f, "", 0, &error));
    }
  g_assert_cmpint (g_mkdir (lib, 0700), ==, 0);
  imp = hg_ctys_parse_file (copy, &error);
  g_assert_no_error (error);
  g_assert_true (hg_ctys_import_write (imp, lib, &written, &error));
  g_assert_no_error (error);

  /* Loading validates */
  config = hg_vm_config_load (written, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->arch, ==, "arm");
  g_assert_cmpstr (config->machine, ==, "integratorcp");

  recorded = hg_qemu_caps_new_from_file (rec, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hg_qemu_caps_find_machine (recorded, "integratorcp"));
  host = hg_host_caps_new_fixed (FALSE);
  hg_host_caps_set_qemu_caps (host, "arm", recorded);
  runtime = hg_runtime_paths_new ("/run/user/1000/hangar", "tst324");
  argv = hg_cmdline_build (config, config->boot_mode, runtime, host, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (argv);
  for (guint i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], "-machine") && g_str_equal (argv[i + 1], "integratorcp"))
      machine_seen = TRUE;
  g_assert_true (machine_seen);
  g_assert_true (g_strv_contains ((const char * const *) argv, "arm926"));

  /* hangarctl, with the host's QEMU */
  hangarctl = g_build_filename (g_getenv ("HANGAR_BUILD_ROOT"), "src", "cli", "hangarctl", NULL);
  {
    const char *cmd[] = { hangarctl, "cmdline", "tst324", "--base", lib, NULL };

    g_spawn_sync (NULL, (char **) cmd, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("hangarctl cmdline failed: %s", err);
  g_assert_nonnull (strstr (out, " -machine integratorcp "));
  hg_test_remove_tree (base);
}

/* A versioned machine name is built as the board of its alias */
static void
test_versioned_machine (void)
{
  g_autofree char *rec = recorded_file ("aarch64");
  g_autoptr(HgQemuCaps) recorded = NULL;
  g_autoptr(HgHostCaps) host = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new ("/run/user/1000/hangar", "t");
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("t");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  const HgQemuMachine *virt;

  recorded = hg_qemu_caps_new_from_file (rec, &error);
  g_assert_no_error (error);
  hg_host_caps_set_qemu_caps (host, "aarch64", recorded);
  virt = hg_qemu_caps_find_machine (recorded, "virt");
  g_assert_nonnull (virt);
  g_assert_cmpstr (virt->alias, ==, "virt");

  g_free (config->arch);
  config->arch = g_strdup ("aarch64");
  config->machine = g_strdup (virt->name);
  config->memory_mib = 256;
  config->cpus = 1;
  g_free (config->dir);
  config->dir = g_strdup ("/srv/vms/t");
  g_ptr_array_add (config->disks, hg_disk_new ("a.qcow2", "qcow2", NULL));
  argv = hg_cmdline_build (config, HG_BOOT_DISK, runtime, host, NULL, &error);
  g_assert_no_error (error);
  /* the virt board's PCI virtio disk, not the generic board's */
  g_assert_true (g_strv_contains ((const char * const *) argv, virt->name));
  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_has_prefix (argv[i], "virtio-blk-pci,drive=disk0"))
      return;
  g_error ("no virtio-blk-pci disk for machine %s", virt->name);
}

/* The creation assistant's and hangarctl create's check: a machine the
 * emulator does not offer is refused on the arch page, naming it */
static void
test_spec_machine (void)
{
  g_autofree char *rec = recorded_file ("x86_64");
  g_autofree char *base = g_dir_make_tmp ("hangar-test-caps-XXXXXX", NULL);
  const char *bases[] = { base, NULL };
  g_autoptr(HgQemuCaps) recorded = NULL;
  g_autoptr(HgHostCaps) host = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgVmSpec) spec = NULL;
  g_autoptr(GError) error = NULL;

  recorded = hg_qemu_caps_new_from_file (rec, &error);
  g_assert_no_error (error);
  hg_host_caps_set_qemu_caps (host, "x86_64", recorded);
  spec = hg_vm_spec_new (bases, host);
  g_object_set (spec, "arch", "x86_64", "accel", HG_ACCEL_TCG, "machine", "pc-nosuch", NULL);
  g_assert_false (hg_vm_spec_validate_page (spec, HG_VM_SPEC_PAGE_ARCH, &error));
  g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_MACHINE);
  g_assert_nonnull (strstr (error->message, "pc-nosuch"));
  g_assert_nonnull (strstr (error->message, "q35"));
  g_clear_error (&error);

  g_object_set (spec, "machine", "q35", NULL);
  g_assert_true (hg_vm_spec_validate_page (spec, HG_VM_SPEC_PAGE_ARCH, &error));
  g_assert_no_error (error);
  g_clear_object (&spec);
  hg_test_remove_tree (base);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = g_dir_make_tmp ("hangar-test-caps-home-XXXXXX", NULL);
  int status;

  /* The user's cache dir of this run: fresh, removed at the end */
  g_assert_nonnull (cache);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/qemu-caps/probe-x86_64", test_probe_x86_64);
  g_test_add_func ("/hangar/qemu-caps/recorded", test_recorded);
  g_test_add_func ("/hangar/qemu-caps/cache", test_cache);
  g_test_add_func ("/hangar/qemu-caps/not-qemu", test_not_qemu);
  g_test_add_func ("/hangar/qemu-caps/probe-async", test_probe_async);
  g_test_add_func ("/hangar/qemu-caps/probe-all-async", test_probe_all_async);
  g_test_add_func ("/hangar/qemu-caps/find-emulators", test_find_emulators);
  g_test_add_func ("/hangar/qemu-caps/unknown-machine", test_unknown_machine);
  g_test_add_func ("/hangar/qemu-caps/ctys-integratorcp", test_ctys_integratorcp);
  g_test_add_func ("/hangar/qemu-caps/spec-machine", test_spec_machine);
  g_test_add_func ("/hangar/qemu-caps/versioned-machine", test_versioned_machine);

  status = g_test_run ();
  hg_test_remove_tree (cache);
  return status;
}
