/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hg-test-skip.h"
#include "hg-library.h"
#include "hg-temp.h"
#include "hg-test-vm.h"
#include "hg-vm-config.h"

/*
* Fault injection: work that is killed leaves nothing behind
 * that the next library scan does not remove, and a config is always its
 * old bytes or its new ones.
 *
 * HANGAR_FAULT_SEED replays a run of /hangar/faults/config-save-kills (the
 * seed is printed); HANGAR_FAULT_KILLS sets how many kills (default 1000).
 */

/* ---- what the scan says it removed ---------------------------------------- */

static guint removed_messages;

static void
count_removed (const char     *domain,
               GLogLevelFlags  level,
               const char     *message,
               gpointer        user_data)
{
  if (strstr (message, "Removed ") != NULL)
    removed_messages++;
  else
    g_test_message ("%s: %s", domain, message);
}

static void
scan (const char *base)
{
  const char *bases[] = { base, NULL };
  g_autoptr(GPtrArray) entries = hg_library_scan (bases, NULL);
}

/* entries of dir that look temporary: hidden, or g_file_set_contents'
 * "<name>.hangar.XXXXXX" */
static guint
count_temp (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.' || strstr (name, ".hangar.") != NULL)
      n++;
  return n;
}

/* ---- names ------------------------------------------------------------------ */

static void
test_temp_names (void)
{
  g_assert_true (hg_temp_name_matches (".web.tmp-Ab3xYz"));
  g_assert_true (hg_temp_name_matches (".web.hangar.tmp-000000"));
  g_assert_false (hg_temp_name_matches ("web.tmp-Ab3xYz"));     /* not hidden */
  g_assert_false (hg_temp_name_matches (".tmp-Ab3xYz"));        /* no name */
  g_assert_false (hg_temp_name_matches (".web.tmp-Ab3xY"));     /* 5 */
  g_assert_false (hg_temp_name_matches (".web.tmp-Ab3xYz1"));   /* 7 */
  g_assert_false (hg_temp_name_matches (".web.tmp-Ab3x/z"));
  g_assert_false (hg_temp_name_matches (".web.hangar.AbCdEf")); /* a user's file */
  g_assert_false (hg_temp_name_matches (NULL));
}

/* ---- stale temporary folders ----------------------------------------------- */

static void
test_stale_removed (void)
{
  g_autofree char *base = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *outside = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *secret = g_build_filename (outside, "secret", NULL);
  g_autofree char *folder = g_build_filename (base, "lab", NULL);
  g_autofree char *tmp = g_build_filename (folder, ".web.tmp-Ab3xYz", NULL);
  g_autofree char *sub = g_build_filename (tmp, "sub", NULL);
  g_autofree char *user_file = g_build_filename (base, ".notes.tmp-keep", NULL);
  g_autofree char *path = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("db");
  g_autoptr(GError) error = NULL;
  g_autofree char *vm_dir = g_build_filename (base, "db", NULL);
  g_autofree char *save_name = hg_temp_save_name ("db.hangar");
  g_autofree char *stale_save = g_build_filename (vm_dir, save_name, NULL);
  g_autofree char *config_text = NULL;

  /* a killed create: files, a folder, and symlinks out of it */
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  hg_test_write_file (secret, "do not delete");
  path = g_build_filename (tmp, "disk.qcow2", NULL);
  hg_test_write_file (path, "partial");
  g_free (path);
  path = g_build_filename (sub, "x", NULL);
  hg_test_write_file (path, "x");
  g_free (path);
  path = g_build_filename (tmp, "link-file", NULL);
  g_assert_cmpint (symlink (secret, path), ==, 0);
  g_free (path);
  path = g_build_filename (tmp, "link-dir", NULL);
  g_assert_cmpint (symlink (outside, path), ==, 0);
  /* a symlink named like a temporary folder: not ours, never followed */
  g_free (path);
  path = g_build_filename (base, ".evil.tmp-AAAAAA", NULL);
  g_assert_cmpint (symlink (outside, path), ==, 0);
  hg_test_write_file (user_file, "a name that only looks similar");

  /* a killed config save in a VM */
  g_assert_cmpint (g_mkdir (vm_dir, 0700), ==, 0);
  hg_vm_config_set_location (config, vm_dir);
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config->path, &config_text, NULL, NULL));
  hg_test_write_file (stale_save, "[machine]\nlabel=db\nhalf a save");

  removed_messages = 0;
  scan (base);

  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stale_save, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (removed_messages, ==, 2);
  /* what the symlinks pointed to is untouched, and so is the symlink */
  g_assert_true (g_file_test (secret, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (user_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  {
    g_autofree char *now = NULL;

    g_assert_true (g_file_get_contents (config->path, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, config_text);
  }

  hg_test_remove_tree (base);
  hg_test_remove_tree (outside);
}

/* ---- a save never writes through what a VM directory plants ----------------- */

static void
test_save_planted (void)
{
  g_autofree char *base = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *outside = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *secret = g_build_filename (outside, "secret", NULL);
  g_autofree char *vm_dir = g_build_filename (base, "web", NULL);
  g_autofree char *save_name = hg_temp_save_name ("web.hangar");
  g_autofree char *planted = g_build_filename (vm_dir, save_name, NULL);
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("web");
  g_autoptr(HgVmConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpint (g_mkdir (vm_dir, 0700), ==, 0);
  hg_test_write_file (secret, "do not touch");
  g_assert_cmpint (symlink (secret, planted), ==, 0);
  hg_vm_config_set_location (config, vm_dir);

  /* the symlink is removed, not followed */
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (secret, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "do not touch");
  g_assert_false (g_file_test (planted, G_FILE_TEST_EXISTS) ||
                  g_file_test (planted, G_FILE_TEST_IS_SYMLINK));
  loaded = hg_vm_config_load (config->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->uuid, ==, config->uuid);

  /* a FIFO at that name does not block the save */
  g_assert_cmpint (mkfifo (planted, 0600), ==, 0);
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_temp (vm_dir), ==, 0);

  hg_test_remove_tree (base);
  hg_test_remove_tree (outside);
}

/* ---- live work keeps its folder -------------------------------------------- */

static void
test_locked_kept (void)
{
  g_autofree char *base = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *tmp = NULL;
  g_autofree char *child_tmp = NULL;
  g_autofree char *file = NULL;
  int ready[2];
  int status = 0;
  pid_t pid;
  int fd;

  /* this process works in it */
  fd = hg_temp_dir_new_locked (base, "web", 0700, &tmp);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (g_str_has_prefix (tmp, base));
  file = g_build_filename (tmp, "disk.qcow2", NULL);
  hg_test_write_file (file, "in progress");
  removed_messages = 0;
  scan (base);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (removed_messages, ==, 0);

  /* another process works in one and is killed: its lock goes with it */
  g_assert_cmpint (pipe (ready), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char *path = NULL;
      int cfd = hg_temp_dir_new_locked (base, "db", 0700, &path);
      gsize len = path != NULL ? strlen (path) : 0;

      if (cfd < 0 || write (ready[1], path, len) != (gssize) len)
        _exit (1);
      close (ready[1]);
      pause ();
      _exit (0);
    }
  close (ready[1]);
  {
    char buf[4096];
    gssize n = read (ready[0], buf, sizeof buf - 1);

    g_assert_cmpint (n, >, 0);
    buf[n] = '\0';
    child_tmp = g_strdup (buf);
  }
  close (ready[0]);
  scan (base);
  g_assert_true (g_file_test (child_tmp, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  scan (base);
  g_assert_false (g_file_test (child_tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (removed_messages, ==, 1);

  /* done (or failed): the lock goes, the next scan removes it */
  close (fd);
  scan (base);
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (removed_messages, ==, 2);
  g_assert_cmpuint (count_temp (base), ==, 0);

  hg_test_remove_tree (base);
}

/* ---- 1,000 kills during config saves ----------------------------------------- */

static void
test_config_save_kills (void)
{
  g_autofree char *base = hg_test_make_dir ("hgfaults-XXXXXX");
  g_autofree char *vm_dir = g_build_filename (base, "saved", NULL);
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("saved");
  g_autoptr(GError) error = NULL;
  g_autofree char *old_bytes = NULL;
  g_autofree char *new_bytes = NULL;
  g_autoptr(GRand) rand = NULL;
  const char *seed_env = g_getenv ("HANGAR_FAULT_SEED");
  const char *kills_env = g_getenv ("HANGAR_FAULT_KILLS");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10)
                                  : g_random_int ();
  guint kills = kills_env != NULL ? (guint) g_ascii_strtoull (kills_env, NULL, 10) : 1000;
  guint max_delay_us = 4000;
  guint left_behind = 0;
  guint saw_old = 0, saw_new = 0;
  gint64 started = g_get_monotonic_time ();

  g_printerr ("# config-save-kills: seed %u (replay: HANGAR_FAULT_SEED=%u), %u kills\n",
              seed, seed, kills);
  rand = g_rand_new_with_seed (seed);

  g_assert_cmpint (g_mkdir (vm_dir, 0700), ==, 0);
  hg_vm_config_set_location (config, vm_dir);

  /* two versions of different sizes */
  config->memory_mib = 256;
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config->path, &old_bytes, NULL, NULL));
  config->memory_mib = 1024;
  config->append = g_strnfill (2000, 'x');
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config->path, &new_bytes, NULL, NULL));
  g_assert_cmpuint (strlen (old_bytes), !=, strlen (new_bytes));

  removed_messages = 0;
  for (guint i = 0; i < kills; i++)
    {
      guint delay = g_rand_int_range (rand, 0, (gint32) max_delay_us);
      g_autofree char *now = NULL;
      int ready[2];
      int status = 0;
      char c;
      pid_t pid;

      g_assert_cmpint (pipe (ready), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          close (ready[0]);
          if (write (ready[1], "r", 1) != 1)
            _exit (3);
          close (ready[1]);
          for (guint n = 0;; n++)
            {
              g_clear_pointer (&config->append, g_free);
              config->memory_mib = 256;
              if (n % 2 == 1)
                {
                  config->memory_mib = 1024;
                  config->append = g_strnfill (2000, 'x');
                }
              if (!hg_vm_config_save (config, NULL))
                _exit (2);
            }
        }
      close (ready[1]);
      g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
      close (ready[0]);
      /* fault injection, not synchronisation: a random moment in the loop */
      g_usleep (delay);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      if (!WIFSIGNALED (status))
        g_error ("kill %u (delay %u µs, seed %u): the saving child ended by itself, status %d",
                 i, delay, seed, status);

      g_assert_true (g_file_get_contents (config->path, &now, NULL, NULL));
      if (g_str_equal (now, old_bytes))
        saw_old++;
      else if (g_str_equal (now, new_bytes))
        saw_new++;
      else
        g_error ("kill %u (delay %u µs, seed %u): %s is neither the old nor the new config:\n%s",
                 i, delay, seed, config->path, now);

      left_behind += count_temp (vm_dir);
      scan (base);
      if (count_temp (vm_dir) != 0)
        g_error ("kill %u (delay %u µs, seed %u): a temporary file is left after the scan",
                 i, delay, seed);
    }
  g_printerr ("# %u kills in %.1f s: old %u, new %u, %u temporary files removed by the scan\n",
              kills, (g_get_monotonic_time () - started) / 1e6, saw_old, saw_new, left_behind);
  /* each one it found was said */
  g_assert_cmpuint (removed_messages, ==, left_behind);
  /* the kills did land inside saves */
  if (kills >= 100)
    g_assert_cmpuint (left_behind, >, 0);

  hg_test_remove_tree (base);
}

/* ---- qemu-img dies with hangarctl ------------------------------------------- */

typedef struct {
  const char *prefix;   /* an argument of the qemu-img we look for starts so */
  pid_t       pid;
} FindTool;

/* a live qemu-img with an argument that starts with prefix */
static gboolean
find_tool (gpointer data)
{
  FindTool *f = data;
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  f->pid = 0;
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &len, NULL) || len == 0)
        continue;   /* gone, or a zombie */
      {
        g_autofree char *exe = g_path_get_basename (cmdline);

        if (!g_str_equal (exe, "qemu-img"))
          continue;
      }
      for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1)
        if (g_str_has_prefix (arg, f->prefix))
          {
            f->pid = (pid_t) atoi (name);
            return TRUE;
          }
    }
  return FALSE;
}

static gboolean
no_tool (gpointer data)
{
  return !find_tool (data);
}

/* Polls cond (it is about other processes: no event tells us) */
static gboolean
poll_until (HgTestCond cond,
            gpointer   data,
            guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (500);
    }
  return TRUE;
}

static void
test_tool_dies_with_hangarctl (void)
{
  g_autofree char *ctl_path = hg_test_hangarctl_path ();
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  g_autofree char *base = NULL;
  g_autofree char *src = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GSubprocess) ctl = NULL;
  g_autoptr(GError) error = NULL;
  FindTool find = { NULL, 0 };
  int fd;

  if (ctl_path == NULL || qemu_img == NULL)
    {
      hg_test_skip_or_fail ("needs hangarctl and qemu-img");
      return;
    }
  base = hg_test_make_dir ("hgfaults-XXXXXX");
  /* 128 MiB of data: qemu-img works for a while */
  src = g_build_filename (base, "source.img", NULL);
  fd = open (src, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  {
    g_autofree guint8 *block = g_malloc (1 << 20);

    for (guint i = 0; i < (1 << 20); i++)
      block[i] = (guint8) (i * 31 + 7);
    for (guint i = 0; i < 128; i++)
      g_assert_cmpint (write (fd, block, 1 << 20), ==, 1 << 20);
  }
  close (fd);

  {
    const char *argv[] = { ctl_path, "--base", base, "create", "--label", "orphan",
                           "--disk-image", src, "--image-mode", "convert", "--accel", "tcg",
                           "--net", "none", NULL };
    ctl = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                   G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_assert_no_error (error);
  }
  prefix = g_build_filename (base, ".orphan.tmp-", NULL);
  find.prefix = prefix;
  g_assert_true (poll_until (find_tool, &find, 30000));
  /* held where it is, so that it is still working when hangarctl dies */
  g_assert_cmpint (kill (find.pid, SIGSTOP), ==, 0);

  g_subprocess_send_signal (ctl, SIGKILL);
  g_assert_true (g_subprocess_wait (ctl, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (ctl));

  /* the kernel ends it: no orphan keeps writing */
  g_assert_true (poll_until (no_tool, &find, 10000));

  /* and the next scan removes what it wrote */
  g_assert_cmpuint (count_temp (base), ==, 1);
  removed_messages = 0;
  scan (base);
  g_assert_cmpuint (count_temp (base), ==, 0);
  g_assert_cmpuint (removed_messages, ==, 1);
  {
    g_autofree char *vm = g_build_filename (base, "orphan", NULL);
    g_assert_false (g_file_test (vm, G_FILE_TEST_EXISTS));
  }

  hg_test_remove_tree (base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_handler ("hangar-temp", G_LOG_LEVEL_MESSAGE, count_removed, NULL);

  g_test_add_func ("/hangar/faults/temp-names", test_temp_names);
  g_test_add_func ("/hangar/faults/temp-stale-removed", test_stale_removed);
  g_test_add_func ("/hangar/faults/temp-locked-kept", test_locked_kept);
  g_test_add_func ("/hangar/faults/save-planted", test_save_planted);
  g_test_add_func ("/hangar/faults/config-save-kills", test_config_save_kills);
  g_test_add_func ("/hangar/faults/tool-dies-with-hangarctl", test_tool_dies_with_hangarctl);
  return g_test_run ();
}
