/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "hg-disk-image.h"
#include "hg-firmware.h"
#include "hg-swtpm.h"
#include "hg-test-skip.h"

/* QEMU's firmware descriptors (hg-firmware.h): Debian 12's own as fixtures
 * (tests/data/firmware/debian), hostile ones (tests/data/firmware/hostile),
 * the override of a name by a higher folder, the choice per kind and
 * machine, and the VM's variables made from a template. */

static char *
fixture (const char *dir,
         const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "firmware", dir, name, NULL);
}

static HgFirmware *
parse_fixture (const char  *dir,
               const char  *name,
               GError     **error)
{
  g_autofree char *path = fixture (dir, name);
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  return hg_firmware_parse (data, (gssize) length, path, error);
}

static gboolean
ovmf_installed (void)
{
  if (g_file_test ("/usr/share/OVMF/OVMF_CODE_4M.fd", G_FILE_TEST_IS_REGULAR) &&
      g_file_test ("/usr/share/OVMF/OVMF_VARS_4M.ms.fd", G_FILE_TEST_IS_REGULAR))
    return TRUE;
  hg_test_skip_or_fail ("OVMF is not installed (Debian package ovmf)");
  return FALSE;
}

static void
test_parse_debian (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgFirmware) secure = parse_fixture ("debian", "40-edk2-x86_64-secure-enrolled.json", &error);
  g_autoptr(HgFirmware) aarch64 = NULL;
  const HgFirmwareTarget *t;

  g_assert_no_error (error);
  g_assert_true (secure->uefi);
  g_assert_false (secure->bios);
  g_assert_cmpstr (secure->name, ==, "40-edk2-x86_64-secure-enrolled.json");
  g_assert_cmpstr (secure->device, ==, "flash");
  g_assert_cmpstr (secure->executable, ==, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
  g_assert_cmpstr (secure->executable_format, ==, "raw");
  g_assert_cmpstr (secure->nvram_template, ==, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  g_assert_cmpuint (secure->features, ==,
                    HG_FIRMWARE_FEATURE_ACPI_S3 | HG_FIRMWARE_FEATURE_AMD_SEV |
                    HG_FIRMWARE_FEATURE_ENROLLED_KEYS | HG_FIRMWARE_FEATURE_REQUIRES_SMM |
                    HG_FIRMWARE_FEATURE_SECURE_BOOT | HG_FIRMWARE_FEATURE_VERBOSE_DYNAMIC);
  g_assert_cmpuint (secure->targets->len, ==, 1);
  t = g_ptr_array_index (secure->targets, 0);
  g_assert_cmpstr (t->arch, ==, "x86_64");
  g_assert_cmpstr (t->machines[0], ==, "pc-q35-*");

  /* machines match by glob, on the name or its canonical form */
  g_assert_true (hg_firmware_matches (secure, "x86_64", "pc-q35-7.2", NULL));
  g_assert_true (hg_firmware_matches (secure, "x86_64", "q35", "pc-q35-7.2"));
  g_assert_false (hg_firmware_matches (secure, "x86_64", "pc", "pc-i440fx-7.2"));
  g_assert_false (hg_firmware_matches (secure, "aarch64", "pc-q35-7.2", NULL));

  aarch64 = parse_fixture ("debian", "60-edk2-aarch64.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aarch64->executable, ==, "/usr/share/AAVMF/AAVMF_CODE.fd");
  g_assert_true (hg_firmware_matches (aarch64, "aarch64", "virt", "virt-7.2"));
}

/* Each hostile descriptor is refused with what is wrong */
static void
test_parse_hostile (void)
{
  static const struct {
    const char *file;
    int code;
    const char *says;
  } cases[] = {
    { "relative.json", HG_FIRMWARE_ERROR_UNSAFE, "“OVMF_CODE_4M.fd” is not an absolute path" },
    { "dotdot.json", HG_FIRMWARE_ERROR_UNSAFE, "is not a canonical path" },
    { "outside.json", HG_FIRMWARE_ERROR_UNSAFE, "“/tmp/OVMF_CODE_4M.fd” is outside the folders firmware may come from" },
    { "device.json", HG_FIRMWARE_ERROR_UNSAFE, "“/dev/sda” is outside the folders" },
    { "bad-device.json", HG_FIRMWARE_ERROR_INVALID, "mapping.device: “cdrom” is not flash, memory or kernel" },
    { "not-object.json", HG_FIRMWARE_ERROR_INVALID, "not a JSON object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HgFirmware) fw = parse_fixture ("hostile", cases[i].file, &error);

      g_assert_null (fw);
      g_assert_error (error, HG_FIRMWARE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].file));
      if (strstr (error->message, cases[i].says) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[i].file, error->message, cases[i].says);
    }

  /* well-formed, but a file it names does not exist: refused at load */
  {
    g_autofree char *path = fixture ("hostile", "missing.json");
    g_autoptr(GError) error = NULL;
    g_autoptr(HgFirmware) fw = hg_firmware_load_file (path, &error);

    g_assert_null (fw);
    g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE);
    g_assert_nonnull (strstr (error->message, "/usr/share/OVMF/NO_SUCH_VARS.fd"));
    g_assert_nonnull (strstr (error->message, "mapping.nvram-template.filename"));
  }

  /* a folder of them: all skipped, nothing offered */
  {
    g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "firmware", "hostile", NULL);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GPtrArray) list = NULL;

    list = hg_firmware_load_all (dirs);
    g_assert_cmpuint (list->len, ==, 0);
  }
}

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A name in a higher folder hides the same name below; an empty file
 * hides it and offers nothing; the rest is ordered by file name. */
static void
test_override (void)
{
  g_autofree char *tmp = NULL;
  g_autofree char *user = NULL;
  g_autofree char *system = fixture ("debian", NULL);
  g_autofree char *mine = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *debian_plain = fixture ("debian", "60-edk2-x86_64.json");
  g_autofree char *text = NULL;
  g_autofree char *changed = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  const char *dirs[3];
  const HgFirmware *fw;

  if (!ovmf_installed ())
    return;
  if (!g_file_test ("/usr/share/AAVMF/AAVMF_CODE.fd", G_FILE_TEST_IS_REGULAR))
    {
      hg_test_skip_or_fail ("AAVMF is not installed (Debian package qemu-efi-aarch64)");
      return;
    }

  tmp = g_dir_make_tmp ("hangar-test-firmware-XXXXXX", &error);
  g_assert_no_error (error);
  user = g_build_filename (tmp, "user", NULL);
  g_assert_cmpint (g_mkdir (user, 0700), ==, 0);

  /* the user's own 60-edk2-x86_64.json: a different description */
  g_assert_true (g_file_get_contents (debian_plain, &text, NULL, NULL));
  parts = g_strsplit (text, "without Secure Boot", 2);
  changed = g_strjoinv ("the user's own", parts);
  mine = g_build_filename (user, "60-edk2-x86_64.json", NULL);
  write_file (mine, changed);
  masked = g_build_filename (user, "50-edk2-x86_64-secure.json", NULL);
  write_file (masked, "");

  dirs[0] = user;
  dirs[1] = system;
  dirs[2] = NULL;
  list = hg_firmware_load_all (dirs);
  /* 6 - the masked one - Debian's own 50-edk2-aarch64-secure.json, which
   * names AAVMF_CODE.secboot.fd, a file qemu-efi-aarch64 does not ship */
  g_assert_cmpuint (list->len, ==, 4);
  for (guint i = 0; i + 1 < list->len; i++)
    g_assert_cmpint (strcmp (((HgFirmware *) g_ptr_array_index (list, i))->name,
                             ((HgFirmware *) g_ptr_array_index (list, i + 1))->name), <, 0);
  for (guint i = 0; i < list->len; i++)
    {
      const char *name = ((HgFirmware *) g_ptr_array_index (list, i))->name;

      g_assert_cmpstr (name, !=, "50-edk2-x86_64-secure.json");
      g_assert_cmpstr (name, !=, "50-edk2-aarch64-secure.json");
    }

  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI, "x86_64", "q35", "pc-q35-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->path, ==, mine);
  g_assert_nonnull (strstr (fw->description, "the user's own"));

  g_unlink (mine);
  g_unlink (masked);
  g_rmdir (user);
  g_rmdir (tmp);
}

static GPtrArray *
debian_list (void)
{
  static const char *names[] = {
    "40-edk2-aarch64-secure-enrolled.json", "40-edk2-x86_64-secure-enrolled.json",
    "50-edk2-aarch64-secure.json", "50-edk2-x86_64-secure.json",
    "60-edk2-aarch64.json", "60-edk2-x86_64.json",
  };
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_firmware_free);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      HgFirmware *fw = parse_fixture ("debian", names[i], &error);

      g_assert_no_error (error);
      g_ptr_array_add (list, fw);
    }
  return list;
}

static void
test_select (void)
{
  g_autoptr(GPtrArray) list = debian_list ();
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  const HgFirmware *fw;
  GError *error = NULL;

  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI, "x86_64", "q35", "pc-q35-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->name, ==, "60-edk2-x86_64.json");
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI, "x86_64", "pc", "pc-i440fx-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->name, ==, "60-edk2-x86_64.json");
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI_SECURE, "x86_64", "q35", "pc-q35-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->name, ==, "40-edk2-x86_64-secure-enrolled.json");
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI, "aarch64", "virt", "virt-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->name, ==, "60-edk2-aarch64.json");
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI_SECURE, "aarch64", "virt", "virt-7.2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fw->name, ==, "40-edk2-aarch64-secure-enrolled.json");

  /* Secure Boot on i440fx: refused, with the reason */
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI_SECURE, "x86_64", "pc", "pc-i440fx-7.2", &error);
  g_assert_null (fw);
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "SMM"));
  g_assert_nonnull (strstr (error->message, "machine pc"));
  g_clear_error (&error);

  /* nothing installed: the package is named */
  fw = hg_firmware_select (empty, HG_FIRMWARE_UEFI, "x86_64", "q35", NULL, &error);
  g_assert_null (fw);
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "install the package ovmf"));
  g_clear_error (&error);
  fw = hg_firmware_select (list, HG_FIRMWARE_UEFI, "arm", "virt", NULL, &error);
  g_assert_null (fw);
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "qemu-efi-arm"));
  g_clear_error (&error);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* The VM's variables: a qcow2 copy of the template, made once; a failure
 * leaves nothing behind */
static void
test_nvram (void)
{
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(HgDiskImageInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  HgFirmware *fw;
  struct stat st, st2;
  gboolean ok;

  if (!ovmf_installed ())
    return;
  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  list = debian_list ();
  fw = g_ptr_array_index (list, 1);   /* x86_64, keys enrolled */
  dir = g_dir_make_tmp ("hangar-test-nvram-XXXXXX", &error);
  g_assert_no_error (error);

  ok = hg_firmware_ensure_nvram (fw, HG_FIRMWARE_UEFI_SECURE, dir, qemu_img, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  path = g_build_filename (dir, "nvram-uefi-secure.qcow2", NULL);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (count_entries (dir), ==, 1);
  info = hg_disk_image_inspect (path, dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((HgDiskImageLayer *) g_ptr_array_index (info->layers, 0))->format, ==, "qcow2");
  g_assert_cmpuint (((HgDiskImageLayer *) g_ptr_array_index (info->layers, 0))->virtual_size, ==, 540672);

  /* made once: a second start keeps the VM's variables */
  ok = hg_firmware_ensure_nvram (fw, HG_FIRMWARE_UEFI_SECURE, dir, qemu_img, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stat (path, &st2), ==, 0);
  g_assert_cmpuint (st.st_ino, ==, st2.st_ino);
  g_unlink (path);

  /* a symlink in the VM folder (QEMU would write through it) is refused */
  g_assert_cmpint (symlink ("/etc/passwd", path), ==, 0);
  ok = hg_firmware_ensure_nvram (fw, HG_FIRMWARE_UEFI_SECURE, dir, qemu_img, NULL, &error);
  g_assert_false (ok);
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_unlink (path);

  /* a template qemu-img cannot read: an error naming it, no file left */
  g_free (fw->nvram_template);
  fw->nvram_template = g_strdup ("/usr/share/OVMF/NO_SUCH_VARS.fd");
  ok = hg_firmware_ensure_nvram (fw, HG_FIRMWARE_UEFI_SECURE, dir, qemu_img, NULL, &error);
  g_assert_false (ok);
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/usr/share/OVMF/NO_SUCH_VARS.fd"));
  g_assert_cmpuint (count_entries (dir), ==, 0);
  g_rmdir (dir);
}

/* A clone takes the variables and the TPM state along */
static void
test_copy_state (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_dir_make_tmp ("hangar-test-fwstate-XXXXXX", NULL);
  g_autofree char *dest = g_dir_make_tmp ("hangar-test-fwstate-XXXXXX", NULL);
  g_autofree char *vars = g_build_filename (src, "nvram-uefi.qcow2", NULL);
  g_autofree char *tpm = g_build_filename (src, "tpm", NULL);
  g_autofree char *state = g_build_filename (tpm, "tpm2-00.permall", NULL);
  g_autofree char *vars2 = g_build_filename (dest, "nvram-uefi.qcow2", NULL);
  g_autofree char *state2 = g_build_filename (dest, "tpm", "tpm2-00.permall", NULL);
  g_autofree char *text = NULL;
  g_autofree char *link = g_build_filename (src, "nvram-uefi-secure.qcow2", NULL);

  write_file (vars, "vars");
  g_assert_cmpint (g_mkdir (tpm, 0700), ==, 0);
  write_file (state, "tpm state");
  g_assert_true (hg_firmware_copy_state (src, dest, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (vars2, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "vars");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (state2, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "tpm state");

  /* a symlink in a VM folder is never followed */
  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);
  g_unlink (vars2);
  g_assert_false (hg_firmware_copy_state (src, dest, NULL, &error));
  g_assert_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, link));

  g_unlink (link);
  g_unlink (state2);
  g_unlink (vars2);
  {
    g_autofree char *tpm2 = g_build_filename (dest, "tpm", NULL);
    g_rmdir (tpm2);
  }
  g_unlink (state);
  g_rmdir (tpm);
  g_unlink (vars);
  g_rmdir (src);
  g_rmdir (dest);
}

/* The TPM state folder of a VM folder from someone else: never a symlink,
 * nor a file in it (swtpm would write through it) */
static void
test_tpm_state_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *vm = g_dir_make_tmp ("hangar-test-tpmstate-XXXXXX", NULL);
  g_autofree char *tpm = g_build_filename (vm, "tpm", NULL);
  g_autofree char *state = g_build_filename (tpm, "tpm2-00.permall", NULL);
  struct stat st;

  /* made, private */
  g_assert_true (hg_swtpm_prepare_state (vm, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lstat (tpm, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);

  /* a state file that is a symlink */
  g_assert_cmpint (symlink ("/etc/passwd", state), ==, 0);
  g_assert_false (hg_swtpm_prepare_state (vm, &error));
  g_assert_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, state));
  g_clear_error (&error);
  g_unlink (state);
  g_rmdir (tpm);

  /* the folder itself a symlink */
  g_assert_cmpint (symlink ("/etc", tpm), ==, 0);
  g_assert_false (hg_swtpm_prepare_state (vm, &error));
  g_assert_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, tpm));
  g_unlink (tpm);
  g_rmdir (vm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/firmware/parse-debian", test_parse_debian);
  g_test_add_func ("/hangar/firmware/parse-hostile", test_parse_hostile);
  g_test_add_func ("/hangar/firmware/override", test_override);
  g_test_add_func ("/hangar/firmware/select", test_select);
  g_test_add_func ("/hangar/firmware/nvram", test_nvram);
  g_test_add_func ("/hangar/firmware/copy-state", test_copy_state);
  g_test_add_func ("/hangar/firmware/tpm-state-dir", test_tpm_state_dir);
  return g_test_run ();
}
