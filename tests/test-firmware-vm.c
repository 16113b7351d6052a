/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "hg-disk-image.h"
#include "hg-proc.h"
#include "hg-swtpm.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * UEFI and the TPM with real QEMU under TCG: the demo guest (a Debian
 * kernel and a busybox initramfs) booted by OVMF, which loads the -kernel
 * through fw_cfg.  Slow under TCG (OVMF alone takes tens of seconds): the
 * suite is "qemu", not the quick one.
 */

#define UEFI_BOOT_TIMEOUT_MS 300000

static HgHostCaps *caps;

#define SKIP_IF_NO_GUEST(config)                                         \
  if ((config) == NULL)                                                  \
    {                                                                    \
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)"); \
      return;                                                            \
    }

static gboolean
have_file (const char *path,
           const char *package)
{
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  hg_test_skip_or_fail_printf ("%s is missing (Debian package %s)", path, package);
  return FALSE;
}

/* The demo guest with firmware set, saved */
static HgVm *
make_vm (const char      *label,
         HgFirmwareKind   firmware,
         gboolean         tpm,
         char           **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", label, base);
  g_autoptr(GError) error = NULL;

  if (config == NULL)
    return NULL;
  config->firmware = firmware;
  config->tpm = tpm;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  return hg_vm_new_full (config, NULL, caps);
}

static HgTestSerial *
start_with_console (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgTestSerial *serial;

  /* paused first so that the console is connected before the first byte */
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_vm_resume_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  return serial;
}

/* OVMF boots the demo guest's kernel; its variables are the VM's own */
static void
test_uefi_kernel_boot (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autofree char *vars = NULL;
  struct stat st;

  if (!have_file ("/usr/share/OVMF/OVMF_CODE_4M.fd", "ovmf"))
    return;
  vm = make_vm ("uefi", HG_FIRMWARE_UEFI, FALSE, &base);
  SKIP_IF_NO_GUEST (vm);

  serial = start_with_console (vm);
  /* the firmware's own banner, then the guest */
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", UEFI_BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 60000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "ls /sys/firmware/efi >/dev/null && echo EFI-$((6*7))\n");
  g_assert_true (hg_test_serial_wait_for (serial, "EFI-42", 30000));

  vars = g_build_filename (hg_vm_get_config (vm)->dir, "nvram-uefi.qcow2", NULL);
  g_assert_cmpint (stat (vars, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* Secure Boot: QEMU takes the SMM build, smm=on and the locked flash, and
 * the firmware runs (it then refuses the demo kernel, which Microsoft's
 * keys do not sign: nothing to wait for on the console) */
static void
test_uefi_secure_starts (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autofree char *vars = NULL;

  if (!have_file ("/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "ovmf"))
    return;
  vm = make_vm ("secure", HG_FIRMWARE_UEFI_SECURE, FALSE, &base);
  SKIP_IF_NO_GUEST (vm);

  hg_test_vm_start (vm, HG_VM_START_NONE);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);
  vars = g_build_filename (hg_vm_get_config (vm)->dir, "nvram-uefi-secure.qcow2", NULL);
  g_assert_true (g_file_test (vars, G_FILE_TEST_IS_REGULAR));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* AAVMF on the aarch64 virt board boots the kernel (fw_cfg), with a TPM
 * device on the platform bus */
static void
test_uefi_aarch64 (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *vars = NULL;
  g_autofree char *swtpm = hg_swtpm_find (NULL);

  if (!have_file ("/usr/share/AAVMF/AAVMF_CODE.fd", "qemu-efi-aarch64"))
    return;
  config = hg_test_make_vm ("aarch64", "uefiarm", &base);
  SKIP_IF_NO_GUEST (config);
  config->firmware = HG_FIRMWARE_UEFI;
  /* QEMU takes the TPM on the platform bus (the arm64 cloud kernel has
   * its driver as a module the guest's initramfs lacks) */
  config->tpm = swtpm != NULL;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_full (config, NULL, caps);

  serial = start_with_console (vm);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar AArch64 VM", UEFI_BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 60000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "ls /sys/firmware/efi >/dev/null && echo EFI-$((6*7))\n");
  g_assert_true (hg_test_serial_wait_for (serial, "EFI-42", 30000));
  vars = g_build_filename (config->dir, "nvram-uefi.qcow2", NULL);
  g_assert_true (g_file_test (vars, G_FILE_TEST_IS_REGULAR));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ---- the TPM ------------------------------------------------------------- */

/* Every live swtpm whose command line names this VM's runtime folder */
static guint
count_swtpm_of (const HgRuntimePaths *paths)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;
  guint n = 0;

  g_assert_nonnull (proc);
  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      GPid pid = (GPid) g_ascii_strtoll (entry, NULL, 10);
      g_autofree char *exe = NULL;
      g_auto(GStrv) argv = NULL;

      if (pid <= 1 || !hg_proc_pid_is_alive (pid))
        continue;
      exe = hg_proc_exe_name (pid);
      if (g_strcmp0 (exe, "swtpm") != 0)
        continue;
      argv = hg_proc_cmdline (pid);
      for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
        if (strstr (argv[i], paths->dir) != NULL)
          {
            n++;
            break;
          }
    }
  return n;
}

static gboolean
no_swtpm_of (gpointer data)
{
  return count_swtpm_of (data) == 0;
}

static gboolean
vm_inactive (gpointer data)
{
  return !hg_vm_is_active (data);
}

static gboolean
have_swtpm (void)
{
  g_autofree char *swtpm = hg_swtpm_find (NULL);

  if (swtpm != NULL)
    return TRUE;
  hg_test_skip_or_fail ("swtpm is not installed (Debian package swtpm)");
  return FALSE;
}

/* The guest sees a TPM; killing QEMU ends swtpm too */
static void
test_tpm_guest (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(HgRuntimePaths) paths = NULL;
  g_autofree char *state = NULL;
  GPid qemu;

  if (!have_swtpm ())
    return;
  vm = make_vm ("tpm", HG_FIRMWARE_BIOS, TRUE, &base);
  SKIP_IF_NO_GUEST (vm);
  paths = hg_runtime_paths_copy (hg_vm_get_runtime_paths (vm));

  serial = start_with_console (vm);
  g_assert_cmpuint (count_swtpm_of (paths), ==, 1);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", UEFI_BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 60000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "ls /sys/class/tpm; cat /sys/class/tpm/tpm0/tpm_version_major\n");
  g_assert_true (hg_test_serial_wait_for (serial, "tpm0", 30000));
  g_assert_true (hg_test_serial_wait_for (serial, "\n2", 30000));
  state = g_build_filename (hg_vm_get_config (vm)->dir, "tpm", "tpm2-00.permall", NULL);
  g_assert_true (g_file_test (state, G_FILE_TEST_IS_REGULAR));

  /* QEMU killed from outside (a crash): swtpm goes with it */
  qemu = hg_vm_get_pid (vm);
  g_assert_cmpint (qemu, >, 0);
  g_assert_cmpint (kill (qemu, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_until (vm_inactive, vm, 30000));
  g_assert_true (hg_test_wait_until (no_swtpm_of, paths, 10000));

  hg_test_remove_tree (base);
}

/* A TPM state swtpm cannot read: the start fails with swtpm's own words,
 * and no swtpm (nor QEMU) is left */
static void
test_tpm_broken_state (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgRuntimePaths) paths = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *state = NULL;
  char garbage[1315];

  if (!have_swtpm ())
    return;
  vm = make_vm ("tpmbroken", HG_FIRMWARE_BIOS, TRUE, &base);
  SKIP_IF_NO_GUEST (vm);
  paths = hg_runtime_paths_copy (hg_vm_get_runtime_paths (vm));
  dir = g_build_filename (hg_vm_get_config (vm)->dir, "tpm", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  state = g_build_filename (dir, "tpm2-00.permall", NULL);
  memset (garbage, 0x5a, sizeof garbage);
  g_assert_true (g_file_set_contents (state, garbage, sizeof garbage, NULL));

  hg_vm_start_async (vm, HG_BOOT_KERNEL, HG_VM_START_NONE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_assert_nonnull (error);
  g_test_message ("start refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "swtpm: "));
  g_assert_nonnull (strstr (error->message, "Could not initialize"));
  g_assert_false (hg_vm_is_active (vm));
  g_assert_true (hg_test_wait_until (no_swtpm_of, paths, 10000));

  hg_test_remove_tree (base);
}

/* What Windows 11 gets (Secure Boot, a TPM, SATA, e1000e, the RTC in local
 * time) is a command line QEMU takes: the VM runs */
static void
test_windows_starts (void)
{
  g_autofree char *base = NULL;
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autofree char *disk = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_file ("/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "ovmf") || !have_swtpm ())
    return;
  config = hg_test_make_vm ("demo", "win", &base);
  SKIP_IF_NO_GUEST (config);
  g_assert_nonnull (qemu_img);
  disk = g_build_filename (config->dir, "win.qcow2", NULL);
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", disk, "64M", NULL };
    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 30000), ==, 0);
  }
  g_ptr_array_add (config->disks, hg_disk_new ("win.qcow2", "qcow2", NULL));
  g_ptr_array_add (config->nics, hg_nic_new (HG_NET_USER));
  config->os_id = g_strdup ("http://microsoft.com/win/11");
  config->os_family = g_strdup ("winnt");
  config->firmware = HG_FIRMWARE_UEFI_SECURE;
  config->tpm = TRUE;
  config->boot_mode = HG_BOOT_DISK;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_full (config, NULL, caps);

  hg_test_vm_start (vm, HG_VM_START_NONE);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);
  hg_test_vm_kill (vm);
  g_assert_true (hg_test_wait_until (no_swtpm_of, (gpointer) hg_vm_get_runtime_paths (vm), 10000));
  hg_test_remove_tree (base);
}

/* A start that cannot have its firmware or its TPM says which package to
 * install, and leaves nothing behind */
static void
test_missing_packages (void)
{
  g_autofree char *base = NULL;
  g_autofree char *empty = g_dir_make_tmp ("hangar-test-nofw-XXXXXX", NULL);
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgHostCaps) bare = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *vars = NULL;
  g_autofree char *tpm = NULL;

  config = hg_test_make_vm ("demo", "nopkg", &base);
  SKIP_IF_NO_GUEST (config);
  vars = g_build_filename (config->dir, "nvram-uefi.qcow2", NULL);
  tpm = g_build_filename (config->dir, "tpm", NULL);

  /* no firmware descriptor anywhere: ovmf is named */
  config->firmware = HG_FIRMWARE_UEFI;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  g_setenv ("HANGAR_FIRMWARE_DIRS", empty, TRUE);
  bare = hg_host_caps_probe ();
  g_unsetenv ("HANGAR_FIRMWARE_DIRS");
  vm = hg_vm_new_full (config, NULL, bare);
  hg_vm_start_async (vm, HG_BOOT_KERNEL, HG_VM_START_NONE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "install the package ovmf"));
  g_assert_nonnull (strstr (error->message, "[machine] firmware"));
  g_assert_false (hg_vm_is_active (vm));
  g_assert_false (g_file_test (vars, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_clear_object (&result);
  g_clear_object (&vm);

  /* no swtpm: the package is named, no state folder made */
  config->firmware = HG_FIRMWARE_BIOS;
  config->tpm = TRUE;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_full (config, NULL, caps);
  g_setenv ("HANGAR_SWTPM", "/nonexistent/swtpm", TRUE);
  hg_vm_start_async (vm, HG_BOOT_KERNEL, HG_VM_START_NONE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_unsetenv ("HANGAR_SWTPM");
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "Debian package swtpm"));
  g_assert_nonnull (strstr (error->message, "nopkg"));
  g_assert_false (hg_vm_is_active (vm));
  g_assert_false (g_file_test (tpm, G_FILE_TEST_EXISTS));
  g_assert_true (no_swtpm_of ((gpointer) hg_vm_get_runtime_paths (vm)));

  g_rmdir (empty);
  hg_test_remove_tree (base);
}

/* ---- snapshots ------------------------------------------------------------ */

static void
action_sync_named (HgVm       *vm,
                   void      (*func) (HgVm *, const char *, GCancellable *, GAsyncReadyCallback, gpointer),
                   const char *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  func (vm, name, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 120000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
}

/* TPM2_PCR_Extend of PCR 16 (the debug PCR) with a SHA-256 digest of 0x11
 * bytes, password session: as a printf format of octal escapes */
static char *
pcr_extend_command (void)
{
  static const guint8 head[] = {
    0x80, 0x02, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x01, 0x82,   /* sessions, 65 bytes, PCR_Extend */
    0x00, 0x00, 0x00, 0x10,                                       /* PCR 16 */
    0x00, 0x00, 0x00, 0x09, 0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, /* TPM_RS_PW */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x0b,                           /* one digest, SHA-256 */
  };
  GString *out = g_string_new ("printf '");

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_string_append_printf (out, "\\%03o", head[i]);
  for (guint i = 0; i < 32; i++)
    g_string_append (out, "\\021");
  g_string_append (out, "' > /dev/tpm0\n");
  return g_string_free (out, FALSE);
}

/* SHA-256 (32 zero bytes || 32 bytes 0x11): PCR 16 after that extend */
static char *
pcr_after_extend (void)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 data[64];

  memset (data, 0, 32);
  memset (data + 32, 0x11, 32);
  g_checksum_update (sum, data, sizeof data);
  /* the kernel prints it in capitals */
  return g_ascii_strup (g_checksum_get_string (sum), -1);
}

#define PCR_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

/* An internal snapshot holds the UEFI variables (the qcow2 NVRAM has it)
 * and the TPM state (in the VM state): loading it takes both back */
static void
test_snapshot_firmware_state (void)
{
  g_autofree char *base = NULL;
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *vars = NULL;
  g_autofree char *extend = pcr_extend_command ();
  g_autofree char *extended = pcr_after_extend ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!have_file ("/usr/share/OVMF/OVMF_CODE_4M.fd", "ovmf") || !have_swtpm ())
    return;
  config = hg_test_make_vm ("demo", "snap", &base);
  SKIP_IF_NO_GUEST (config);
  g_assert_nonnull (qemu_img);

  /* a qcow2 disk to hold the snapshots */
  disk = g_build_filename (config->dir, "disk.qcow2", NULL);
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", disk, "64M", NULL };
    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 30000), ==, 0);
  }
  g_ptr_array_add (config->disks, hg_disk_new ("disk.qcow2", "qcow2", NULL));
  config->firmware = HG_FIRMWARE_UEFI;
  config->tpm = TRUE;
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_full (config, NULL, caps);

  serial = start_with_console (vm);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", UEFI_BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 60000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "cat /sys/class/tpm/tpm0/pcr-sha256/16\n");
  g_assert_true (hg_test_serial_wait_for (serial, PCR_ZERO, 30000));

  action_sync_named (vm, hg_vm_snapshot_save_async, "before");

  /* the variables are in the snapshot */
  vars = g_build_filename (config->dir, "nvram-uefi.qcow2", NULL);
  {
    const char *argv[] = { qemu_img, "snapshot", "-l", "-U", vars, NULL };
    g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
    g_assert_nonnull (strstr (out, "before"));
  }

  /* the TPM changes ... */
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, extend);
  hg_test_serial_write (serial, "cat /sys/class/tpm/tpm0/pcr-sha256/16\n");
  g_assert_true (hg_test_serial_wait_for (serial, extended, 30000));

  /* ... and the snapshot takes it back */
  action_sync_named (vm, hg_vm_snapshot_load_async, "before");
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "\ncat /sys/class/tpm/tpm0/pcr-sha256/16\n");
  g_assert_true (hg_test_serial_wait_for (serial, PCR_ZERO, 30000));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/firmware-vm/uefi-kernel-boot", test_uefi_kernel_boot);
  g_test_add_func ("/hangar/firmware-vm/uefi-secure-starts", test_uefi_secure_starts);
  g_test_add_func ("/hangar/firmware-vm/uefi-aarch64", test_uefi_aarch64);
  g_test_add_func ("/hangar/firmware-vm/tpm-guest", test_tpm_guest);
  g_test_add_func ("/hangar/firmware-vm/windows-starts", test_windows_starts);
  g_test_add_func ("/hangar/firmware-vm/missing-packages", test_missing_packages);
  g_test_add_func ("/hangar/firmware-vm/tpm-broken-state", test_tpm_broken_state);
  g_test_add_func ("/hangar/firmware-vm/snapshot-firmware-state", test_snapshot_firmware_state);

  status = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return status;
}
