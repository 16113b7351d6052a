/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * Debian's release architectures under Hangar's defaults: for each, a VM is
 * made by `hangarctl create` from nothing but --arch (Debian's name), the
 * kernel and initrd that tools/build-guests.sh built from that
 * architecture's Debian packages, and console= on the append line.  It is
 * started through HgVm's real start path under TCG and must reach its
 * busybox shell on the serial console and answer a command there.
 */

#define BOOT_TIMEOUT_MS 90000

typedef struct {
  const char *arch;      /* --arch, as Debian names it */
  const char *stored;    /* the arch Hangar stores: QEMU's target name */
  const char *guest;     /* $HANGAR_GUESTS_DIR/<guest> */
  const char *console;   /* the serial console's Linux device */
  const char *board;     /* the default board Hangar must pick */
  const char *banner;
  const char *uname;     /* `uname -m` in the guest */
} ArchCase;

static const ArchCase cases[] = {
  { "amd64", "x86_64", "demo", "ttyS0", "q35", "Welcome to the Hangar demo VM", "x86_64" },
  { "i386", "i386", "i386", "ttyS0", "pc", "Welcome to the Hangar i386 VM", "i686" },
  { "arm64", "aarch64", "aarch64", "ttyAMA0", "virt", "Welcome to the Hangar AArch64 VM", "aarch64" },
  { "armhf", "arm", "armhf", "ttyAMA0", "virt", "Welcome to the Hangar armhf VM", "armv7l" },
  { "ppc64el", "ppc64", "ppc64el", "hvc0", "pseries", "Welcome to the Hangar ppc64el VM", "ppc64le" },
  { "s390x", "s390x", "s390x", "ttysclp0", "s390-ccw-virtio", "Welcome to the Hangar s390x VM", "s390x" },
  { "mips64el", "mips64el", "mips64el", "ttyS0", "malta", "Welcome to the Hangar mips64el VM", "mips64" },
};

static HgHostCaps *caps;

static char *
ctl (const char *base,
     ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;
  int status;

  va_start (args, base);
  argv = hg_test_hangarctl_argv_va (base, args);
  va_end (args);
  status = hg_test_run ((const char * const *) argv->pdata, &out, &err, 60000);
  if (status != 0)
    g_error ("%s %s: exit %d: %s", (char *) argv->pdata[3], (char *) argv->pdata[4],
             status, err);
  return g_steal_pointer (&out);
}

static void
test_boot (gconstpointer data)
{
  const ArchCase *tc = data;
  g_autofree char *kernel = hg_test_guest_file (tc->guest, "vmlinuz");
  g_autofree char *initrd = hg_test_guest_file (tc->guest, "initrd.img");
  g_autofree char *label = g_strconcat ("debian-", tc->arch, NULL);
  g_autofree char *append = g_strconcat ("console=", tc->console, NULL);
  g_autofree char *machine = g_strdup_printf ("-machine %s ", tc->board);
  g_autofree char *base = NULL;
  g_autofree char *argv_text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (kernel == NULL || initrd == NULL)
    {
      hg_test_skip_or_fail_printf ("guest %s not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)",
                                   tc->guest);
      return;
    }

  base = g_dir_make_tmp ("hangar-arches-XXXXXX", &error);
  g_assert_no_error (error);
  g_free (ctl (base, "create", "--label", label, "--arch", tc->arch, "--kernel", kernel,
               "--initrd", initrd, "--append", append, "--accel", "tcg", "--memory", "256",
               NULL));

  /* the board is the defaults table's */
  argv_text = ctl (base, "cmdline", label, NULL);
  g_assert_nonnull (strstr (argv_text, machine));

  path = g_strdup_printf ("%s/%s/%s.hangar", base, label, label);
  config = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->arch, ==, tc->stored);
  vm = hg_vm_new_full (config, NULL, caps);

  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_vm_resume_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);

  if (!hg_test_serial_wait_for (serial, tc->banner, BOOT_TIMEOUT_MS))
    g_error ("%s: no banner within %u s; the console said:\n%s", tc->arch,
             BOOT_TIMEOUT_MS / 1000, hg_test_serial_output (serial));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  hg_test_serial_mark (serial);
  /* the typed line echoes "arch=$(...", the answer "arch=<machine>" */
  hg_test_serial_write (serial, "echo arch=$(uname -m)\n");
  {
    g_autofree char *answer = g_strconcat ("arch=", tc->uname, NULL);
    if (!hg_test_serial_wait_for (serial, answer, 30000))
      g_error ("%s: no \"%s\" from the shell; it said:\n%s", tc->arch, answer,
               hg_test_serial_output (serial));
  }

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/hangar/arches/%s", cases[i].arch);
      g_test_add_data_func (name, &cases[i], test_boot);
    }

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
