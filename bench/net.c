/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-bench"
#define _GNU_SOURCE   /* setns(), unshare() */
#include "config.h"

/*
 * bench/net: TCP throughput between two demo guests on one Hangar VDE
 * switch, against the same pair on QEMU user-mode networking (guest A's
 * HTTP port forwarded by slirp, guest B fetching it through 10.0.2.2).
 * Guest A serves SIZE_MB of zeros with busybox httpd from its RAM disk;
 * guest B runs `wget -O /dev/null` and prints the byte count; the clock
 * runs on the host from sending the wget line to the marker after it (a
 * serial round trip is noise against several seconds of transfer).
 * Informational: prints both rates and the VDE/user ratio.
 *
 * usage: net [SIZE_MB]   (default 16; env HANGAR_GUESTS_DIR)
 * As root it runs inside a private network namespace (unshare), so the
 * forwarded port never appears on the machine.
 */

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hg-switch.h"
#include "hg-vm.h"
#include "../tests/hg-test-vm.h"

#define BOOT_TIMEOUT_MS   180000
#define XFER_TIMEOUT_MS   240000
#define PROMPT            "hangar-demo:~# "
#define WEB_PORT          8080

static HgHostCaps *caps;

static HgVm *
make_vm (const char *label,
         HgNetMode   mode,
         const char *mac,
         guint16     fwd_host_port,
         char      **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", label, base);
  g_autoptr(GError) error = NULL;
  HgNic *nic;

  if (config == NULL)
    g_error ("the demo guest is not built: set HANGAR_GUESTS_DIR (tools/build-guests.sh)");
  g_ptr_array_set_size (config->nics, 0);
  nic = hg_nic_new (mode);
  g_free (nic->mac);
  nic->mac = g_strdup (mac);
  if (mode == HG_NET_VDE)
    {
      g_free (nic->switch_name);
      nic->switch_name = g_strdup ("bench");
    }
  if (fwd_host_port != 0)
    {
      HgHostFwd *fwd = g_new0 (HgHostFwd, 1);
      fwd->proto = g_strdup ("tcp");
      fwd->host_port = fwd_host_port;
      fwd->guest_port = WEB_PORT;
      if (nic->hostfwd == NULL)
        nic->hostfwd = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
      g_ptr_array_add (nic->hostfwd, fwd);
    }
  g_ptr_array_add (config->nics, nic);
  hg_vm_config_save (config, &error);
  if (error != NULL)
    g_error ("%s", error->message);
  return hg_vm_new_full (config, NULL, caps);
}

static HgTestSerial *
boot (HgVm *vm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  HgTestSerial *serial;

  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  if (serial == NULL)
    g_error ("%s", error->message);
  hg_vm_resume_async (vm, NULL, hg_test_store_result, &result);
  if (!hg_test_wait_result (&result, 20000) || !hg_vm_action_finish (vm, result, &error))
    g_error ("cannot resume %s", hg_vm_get_label (vm));
  if (!hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS))
    g_error ("%s did not boot", hg_vm_get_label (vm));
  hg_test_serial_write (serial, "\n");
  if (!hg_test_serial_wait_for (serial, PROMPT, 60000))
    g_error ("no shell on %s", hg_vm_get_label (vm));
  return serial;
}

static void
shell (HgTestSerial *serial,
       const char   *line,
       guint         timeout_ms)
{
  g_autofree char *cmd = g_strdup_printf ("%s; echo DONE-$((40+2))\n", line);

  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, cmd);
  if (!hg_test_serial_wait_for (serial, "DONE-42", timeout_ms))
    g_error ("guest command timed out: %s", line);
}

/* The rate in bytes/s of B fetching the blob from url. */
static double
fetch_rate (HgTestSerial *b,
            const char   *url,
            guint         size_mb)
{
  g_autofree char *line = g_strdup_printf ("wget -q -O - %s | wc -c | sed 's/^/BYTES=/'", url);
  const char *out, *p;
  gint64 t0, t1;
  guint64 bytes;

  t0 = g_get_monotonic_time ();
  shell (b, line, XFER_TIMEOUT_MS);
  t1 = g_get_monotonic_time ();
  out = hg_test_serial_output (b);
  p = strstr (out, "\nBYTES=");
  if (p == NULL)
    g_error ("no byte count from the receiver: %s", out);
  bytes = g_ascii_strtoull (p + 7, NULL, 10);
  if (bytes != (guint64) size_mb * 1024 * 1024)
    g_error ("received %" G_GUINT64_FORMAT " bytes, expected %u MiB", bytes, size_mb);
  return bytes / ((t1 - t0) / (double) G_USEC_PER_SEC);
}

static void
serve_blob (HgTestSerial *a,
            guint         size_mb)
{
  g_autofree char *line =
    g_strdup_printf ("killall udhcpc 2>/dev/null; mkdir -p /tmp/www && "
                     "dd if=/dev/zero of=/tmp/www/blob bs=1048576 count=%u 2>/dev/null && "
                     "httpd -p %d -h /tmp/www", size_mb, WEB_PORT);
  shell (a, line, 60000);
}

static void
kill_vm (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_vm_kill_async (vm, NULL, hg_test_store_result, &result);
  hg_test_wait_result (&result, 20000);
  hg_vm_action_finish (vm, result, NULL);
}

static double
run_vde (guint size_mb)
{
  g_autofree char *base_a = NULL, *base_b = NULL;
  g_autoptr(HgVm) a = make_vm ("bench-vde-a", HG_NET_VDE, "52:54:00:79:00:01", 0, &base_a);
  g_autoptr(HgVm) b = make_vm ("bench-vde-b", HG_NET_VDE, "52:54:00:79:00:02", 0, &base_b);
  g_autoptr(HgTestSerial) sa = boot (a);
  g_autoptr(HgTestSerial) sb = boot (b);
  g_autoptr(HgSwitch) sw = hg_switch_new (NULL, "bench");
  g_autofree char *url = g_strdup_printf ("http://10.79.0.1:%d/blob", WEB_PORT);
  double rate;

  shell (sa, "killall udhcpc 2>/dev/null; ip addr flush dev eth0; ip addr add 10.79.0.1/24 dev eth0", 30000);
  shell (sb, "killall udhcpc 2>/dev/null; ip addr flush dev eth0; ip addr add 10.79.0.2/24 dev eth0", 30000);
  serve_blob (sa, size_mb);
  shell (sb, "ping -c 1 -w 20 10.79.0.1 >/dev/null", 30000);
  rate = fetch_rate (sb, url, size_mb);

  g_clear_pointer (&sa, hg_test_serial_free);
  g_clear_pointer (&sb, hg_test_serial_free);
  kill_vm (a);
  kill_vm (b);
  hg_switch_stop_sync (sw, NULL);
  hg_test_remove_tree (base_a);
  hg_test_remove_tree (base_b);
  return rate;
}

static double
run_user (guint size_mb)
{
  guint16 port = 18080;
  g_autofree char *base_a = NULL, *base_b = NULL;
  g_autoptr(HgVm) a = make_vm ("bench-user-a", HG_NET_USER, "52:54:00:79:01:01", port, &base_a);
  g_autoptr(HgVm) b = make_vm ("bench-user-b", HG_NET_USER, "52:54:00:79:01:02", 0, &base_b);
  g_autoptr(HgTestSerial) sa = boot (a);
  g_autoptr(HgTestSerial) sb = boot (b);
  g_autofree char *url = g_strdup_printf ("http://10.0.2.2:%u/blob", port);
  double rate;

  /* both keep their DHCP address from slirp (10.0.2.15) */
  serve_blob (sa, size_mb);
  shell (sb, "ip addr show eth0 | grep -q 10.0.2.15 || udhcpc -q -n -i eth0 -s /etc/udhcpc.script", 60000);
  rate = fetch_rate (sb, url, size_mb);

  g_clear_pointer (&sa, hg_test_serial_free);
  g_clear_pointer (&sb, hg_test_serial_free);
  kill_vm (a);
  kill_vm (b);
  hg_test_remove_tree (base_a);
  hg_test_remove_tree (base_b);
  return rate;
}

int
main (int argc, char **argv)
{
  guint size_mb = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 16;
  double vde, user;

  if (size_mb == 0 || size_mb > 128)
    {
      g_printerr ("usage: net [SIZE_MB]  (1 ... 128, default 16)\n");
      return 2;
    }
  if (geteuid () == 0)
    {
      /* a private network namespace: slirp's forwarded port stays in it */
      g_autofree char *out = NULL;
      const char *lo_up[] = { "ip", "link", "set", "lo", "up", NULL };
      if (unshare (CLONE_NEWNET) != 0)
        g_error ("unshare(CLONE_NEWNET): %s", g_strerror (errno));
      if (hg_test_run (lo_up, &out, NULL, 10000) != 0)
        g_error ("cannot bring lo up in the private namespace");
    }
  g_setenv ("HANGAR_ACCEL", "tcg", FALSE);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_print ("bench/net: %u MiB from guest A to guest B (TCG)\n", size_mb);
  vde = run_vde (size_mb);
  g_print ("  VDE switch:        %10.0f bytes/s (%.2f MiB/s)\n", vde, vde / 1048576.0);
  user = run_user (size_mb);
  g_print ("  user-mode (slirp): %10.0f bytes/s (%.2f MiB/s)\n", user, user / 1048576.0);
  g_print ("  ratio VDE/user:    %10.2f\n", vde / user);

  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return 0;
}
