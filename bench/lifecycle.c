/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-bench"
#include "config.h"

/*
 * bench/lifecycle: the time from `hangarctl start` to the tiny guest's
 * first serial byte, against the same argv (hg_cmdline_build) launched
 * directly with GSubprocess.  Both are measured the same way: the serial
 * socket is connected as soon as it accepts (retried every millisecond) and
 * the clock stops at the first byte read.  The two alternate round by
 * round, the order swapped every round.  Target: median ratio <= 1.10;
 * exit status 1 when it is missed.
 *
 * usage: lifecycle [ROUNDS]   (env HANGAR_GUESTS_DIR, HANGAR_BUILD_ROOT or
 *                              HANGARCTL=path)
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hg-cmdline.h"
#include "hg-process.h"
#include "hg-vm-config.h"
#include "../tests/hg-test-vm.h"

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* Connects to path as soon as it accepts; reads the first byte.  Returns
 * the time of that byte, or -1 after timeout_us. */
static gint64
first_serial_byte (const char *path,
                   gint64      deadline_us)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = -1;
  char c;

  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  while (now_us () < deadline_us)
    {
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
        break;
      close (fd);
      fd = -1;
      g_usleep (1000);   /* measurement poll, not synchronisation */
    }
  if (fd < 0)
    return -1;
  if (read (fd, &c, 1) != 1)
    {
      close (fd);
      return -1;
    }
  close (fd);
  return now_us ();
}

static HgVmConfig *
tiny_config (const char *base)
{
  const char *guests = g_getenv ("HANGAR_GUESTS_DIR");
  g_autofree char *iso = NULL;
  g_autofree char *dir = g_build_filename (base, "benchtiny", NULL);
  g_autoptr(GError) error = NULL;
  HgVmConfig *config;

  if (guests == NULL)
    g_error ("set HANGAR_GUESTS_DIR (tools/build-guests.sh OUTDIR)");
  iso = g_build_filename (guests, "tiny", "boot.iso", NULL);
  if (!g_file_test (iso, G_FILE_TEST_IS_REGULAR))
    g_error ("%s missing: run tools/build-guests.sh", iso);
  config = hg_vm_config_new ("benchtiny");
  g_free (config->arch);
  config->arch = g_strdup ("x86_64");
  config->accel = HG_ACCEL_TCG;
  config->memory_mib = 64;
  config->boot_mode = HG_BOOT_CDROM;
  config->console = HG_CONSOLE_VNC;
  g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
  g_mkdir_with_parents (dir, 0755);
  hg_vm_config_set_location (config, dir);
  if (!hg_vm_config_save (config, &error))
    g_error ("%s", error->message);
  return config;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* QEMU spawned directly with Hangar's argv: ms to its first serial byte */
static double
run_direct (char                 **qemu_argv,
            const HgRuntimePaths  *direct_paths)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) qemu = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0 = now_us (), t1;
  double ms;

  int qmp_fds[2];

  hg_process_clean_runtime (direct_paths, NULL);
  /* what a start does too: the QMP sockets bound, passed as fds */
  if (!hg_process_listen_qmp (direct_paths, qmp_fds, &error))
    g_error ("%s", error->message);
  hg_process_launcher_take_qmp (l, qmp_fds);
  qemu = g_subprocess_launcher_spawnv (l, (const char * const *) qemu_argv, &error);
  g_clear_object (&l);
  if (qemu == NULL)
    g_error ("%s", error->message);
  t1 = first_serial_byte (direct_paths->serial, t0 + 60 * G_USEC_PER_SEC);
  if (t1 < 0)
    g_error ("direct QEMU: no serial byte within 60 s");
  ms = (t1 - t0) / 1000.0;
  g_subprocess_force_exit (qemu);
  g_subprocess_wait (qemu, NULL, NULL);
  return ms;
}

/* `hangarctl start`: ms to the first serial byte; then QEMU is killed */
static double
run_hangarctl (const char            *ctl,
               const char            *base,
               const char            *rt_ctl,
               const HgRuntimePaths  *ctl_paths)
{
  const char *ctl_argv[] = { ctl, "--base", base, "start", "benchtiny", NULL };
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0, t1;
  GPid pid = 0;
  double ms;

  g_subprocess_launcher_setenv (l, "HANGAR_RUNTIME_DIR", rt_ctl, TRUE);
  t0 = now_us ();
  proc = g_subprocess_launcher_spawnv (l, ctl_argv, &error);
  if (proc == NULL)
    g_error ("%s", error->message);
  t1 = first_serial_byte (ctl_paths->serial, t0 + 60 * G_USEC_PER_SEC);
  if (t1 < 0)
    g_error ("hangarctl start: no serial byte within 60 s");
  ms = (t1 - t0) / 1000.0;
  g_subprocess_wait_check (proc, NULL, &error);
  if (error != NULL)
    g_error ("hangarctl start failed: %s", error->message);
  if (hg_process_read_pidfile (ctl_paths->pidfile, &pid, NULL) &&
      hg_process_pid_is_vm_qemu (pid, ctl_paths))
    {
      int pidfd = hg_proc_pidfd_open (pid);
      hg_proc_send_signal (pid, pidfd, SIGKILL, NULL);
      if (pidfd >= 0)
        {
          /* wait for its end: a pidfd becomes readable */
          GPollFD pfd = { pidfd, G_IO_IN, 0 };
          g_poll (&pfd, 1, 10000);
          close (pidfd);
        }
    }
  hg_process_clean_runtime (ctl_paths, NULL);
  return ms;
}

int
main (int argc, char **argv)
{
  int rounds = argc > 1 ? atoi (argv[1]) : 5;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("hgbench-XXXXXX", NULL);
  g_autofree char *rt_direct = g_dir_make_tmp ("hgbd-XXXXXX", NULL);
  g_autofree char *rt_ctl = g_dir_make_tmp ("hgbc-XXXXXX", NULL);
  g_autofree char *ctl = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgHostCaps) caps = NULL;
  g_autoptr(HgRuntimePaths) direct_paths = NULL;
  g_autoptr(HgRuntimePaths) ctl_paths = NULL;
  g_autoptr(HgVmImages) images = NULL;
  g_auto(GStrv) qemu_argv = NULL;
  double *t_direct, *t_ctl;
  double ratio;

  if (rounds < 1)
    rounds = 1;
  if (g_getenv ("HANGARCTL") != NULL)
    ctl = g_strdup (g_getenv ("HANGARCTL"));
  else
    ctl = g_build_filename (g_getenv ("HANGAR_BUILD_ROOT") ? g_getenv ("HANGAR_BUILD_ROOT") : ".",
                            "src", "cli", "hangarctl", NULL);
  g_setenv ("HANGAR_ACCEL", "tcg", TRUE);
  config = tiny_config (base);
  caps = hg_host_caps_probe ();
  direct_paths = hg_process_runtime_paths_for_config (config, rt_direct);
  ctl_paths = hg_process_runtime_paths_for_config (config, rt_ctl);
  if (!hg_process_prepare_runtime_dir (direct_paths, &error))
    g_error ("%s", error->message);
  /* the images checked once, as a start does (its cost is hangarctl's) */
  images = hg_vm_images_check (config, NULL, &error);
  if (images == NULL)
    g_error ("%s", error->message);
  qemu_argv = hg_cmdline_build (config, HG_BOOT_CDROM, direct_paths, caps, images, &error);
  if (qemu_argv == NULL)
    g_error ("%s", error->message);

  t_direct = g_new0 (double, rounds);
  t_ctl = g_new0 (double, rounds);
  for (int i = 0; i < rounds; i++)
    {
      /* interleaved, the order swapped every round: neither always
       * starts on a machine the other just warmed or loaded */
      for (int k = 0; k < 2; k++)
        {
          if ((k == 0) == (i % 2 == 0))
            t_direct[i] = run_direct (qemu_argv, direct_paths);
          else
            t_ctl[i] = run_hangarctl (ctl, base, rt_ctl, ctl_paths);
        }
      printf ("round %d: direct %.1f ms, hangarctl start %.1f ms\n", i + 1, t_direct[i], t_ctl[i]);
      fflush (stdout);
    }

  {
    double md = median (t_direct, rounds);
    double mc = median (t_ctl, rounds);
    printf ("first serial byte, median of %d: direct %.1f ms, hangarctl start %.1f ms, ratio %.3f (target <= 1.10): %s\n",
            rounds, md, mc, mc / md, mc / md <= 1.10 ? "met" : "MISSED");
    ratio = mc / md;
  }
  g_free (t_direct);
  g_free (t_ctl);
  hg_test_remove_tree (base);
  hg_test_remove_tree (rt_direct);
  hg_test_remove_tree (rt_ctl);
  /* a missed target is a failure */
  return ratio <= 1.10 ? 0 : 1;
}
