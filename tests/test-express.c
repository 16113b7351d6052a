/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <crypt.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "hg-cloud-init.h"
#include "hg-disk-image.h"
#include "hg-install-phase.h"
#include "hg-install-script.h"
#include "hg-os-firmware.h"
#include "hg-osinfo.h"
#include "hg-spawn.h"
#include "hg-test-iso.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

/*
 * Modern guests without a network or a VM: the answer files libosinfo
 * generates for each family (Debian/Ubuntu preseed, Fedora/RHEL
 * kickstart, openSUSE AutoYaST, Windows autounattend.xml), how they are
 * delivered (initrd member, answer-file CD), the password file, and the
 * firmware/TPM advice from libosinfo.
 */

static const HgInstallParams params = {
  .user = "alice",
  .password = "s3cret-Pw",
  .hostname = "testhost",
  .timezone = "Europe/Berlin",
  .keyboard = "de",
  .language = "de_DE",
};

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("hgexpress-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    {
      g_autofree char *escaped = g_strescape (haystack, NULL);
      g_error ("“%s” not found in: %s", needle, escaped);
    }
}

/* ---- answer files ------------------------------------------------------------ */

static void
test_answer_files (void)
{
  static const struct {
    const char *os, *file, *injection;
    const char *must[4];
  } cases[] = {
    { "debian11", "preseed.cfg", "initrd",
      { "passwd/username alice", "get_hostname string testhost", "time/zone select Europe/Berlin",
        "locale string de_DE" } },
    { "ubuntu18.04", "preseed.cfg", "initrd",
      { "passwd/username string alice", "get_hostname string testhost",
        "time/zone select Europe/Berlin", "locale string de_DE" } },
    { "fedora37", "fedora.ks", "initrd",
      { "useradd -G wheel alice", "--hostname=testhost", "timezone --utc Europe/Berlin", "keyboard 'de'" } },
    { "rhel9.0", "rhel.ks", "initrd",
      { "useradd -G wheel alice", "--hostname=testhost", "Europe/Berlin", "lang de_DE" } },
    { "opensuse15.4", "autoinst.xml", "initrd",
      { "alice", "<hostname>testhost</hostname>", "<timezone>Europe/Berlin</timezone>",
        "<keymap>de</keymap>" } },
    { "win10", "autounattend.xml", "cdrom",
      { "<Name>alice</Name>", "<ComputerName>testhost</ComputerName>", "<ProductKey>", NULL } },
  };

  if (!hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("libosinfo / osinfo-db not installed");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HgInstallScript) script = hg_install_script_generate (NULL, cases[i].os, &params, &error);

      g_test_message ("%s", cases[i].os);
      g_assert_no_error (error);
      g_assert_cmpstr (script->os_id, ==, cases[i].os);
      g_assert_cmpstr (script->filename, ==, cases[i].file);
      g_assert_cmpstr (script->injection, ==, cases[i].injection);
      g_assert_cmpstr (script->profile, ==, "desktop");
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].must) && cases[i].must[j] != NULL; j++)
        assert_contains (script->content, cases[i].must[j]);
      /* the password is in the answer file only */
      assert_contains (script->content, "s3cret-Pw");
      /* the installer is told where its answer file is, or finds it by its name */
      if (g_str_equal (cases[i].injection, "initrd") && !g_str_has_prefix (cases[i].os, "debian"))
        assert_contains (script->cmdline, script->filename);
      if (g_str_equal (cases[i].injection, "cdrom"))
        g_assert_null (script->cmdline);
    }

  /* Windows: the product key field is there, left empty for the user */
  {
    g_autoptr(HgInstallScript) win = hg_install_script_generate (NULL, "win10", &params, NULL);
    g_autoptr(GRegex) empty_key = g_regex_new ("<ProductKey>\\s*<Key/>\\s*</ProductKey>", 0, 0, NULL);

    g_assert_true (g_regex_match (empty_key, win->content, 0, NULL));
  }
  /* jeos when asked */
  {
    HgInstallParams jeos = params;
    g_autoptr(HgInstallScript) script = NULL;

    jeos.profile = "jeos";
    script = hg_install_script_generate (NULL, "debian11", &jeos, NULL);
    g_assert_cmpstr (script->profile, ==, "jeos");
  }
}

static void
test_no_script (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgInstallScript) script = NULL;

  if (!hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("libosinfo / osinfo-db not installed");
      return;
    }
  /* an OS libosinfo has no install script for: says so, and for which */
  script = hg_install_script_generate (NULL, "freedos1.2", &params, &error);
  g_assert_null (script);
  g_assert_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NO_INSTALL_SCRIPT);
  assert_contains (error->message, "FreeDOS");
  assert_contains (error->message, "no install script");
  g_clear_error (&error);

  script = hg_install_script_generate (NULL, "nosuchos42", &params, &error);
  g_assert_null (script);
  g_assert_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_UNKNOWN);
  assert_contains (error->message, "nosuchos42");
}

/* ---- delivery ---------------------------------------------------------------- */

static char *
gunzip_file (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GInputStream) in = G_INPUT_STREAM (g_file_read (file, NULL, NULL));
  g_autoptr(GZlibDecompressor) dec = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) zin = g_converter_input_stream_new (in, G_CONVERTER (dec));
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (mem, zin, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write (mem, "", 1, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (mem));
}

static void
test_initrd_append (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *initrd = g_build_filename (dir, "initrd.gz", NULL);
  g_autofree char *cpio = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  /* an empty initrd: then the whole file is our member */
  g_file_set_contents (initrd, "", 0, &error);
  g_assert_no_error (error);
  g_assert_true (hg_initrd_append_file (initrd, "preseed.cfg", "d-i x\n", 6, &error));
  g_assert_no_error (error);
  cpio = gunzip_file (initrd);
  g_assert_true (g_str_has_prefix (cpio, "070701"));
  /* mode 0100600, name size 12 */
  g_assert_cmpint (strncmp (cpio + 6 + 8, "00008180", 8), ==, 0);
  g_assert_cmpstr (cpio + 110, ==, "preseed.cfg");
  g_assert_cmpint (strncmp (cpio + 124, "d-i x\n", 6), ==, 0);
  /* data padded to 4 bytes, then the trailer */
  g_assert_true (g_str_has_prefix (cpio + 132, "070701"));
  g_assert_cmpstr (cpio + 132 + 110, ==, "TRAILER!!!");
  g_assert_cmpint (g_stat (initrd, &st), ==, 0);

  /* the kernel's own cpio reading agrees: cpio -t lists it */
  {
    g_autofree char *plain = g_build_filename (dir, "plain.cpio", NULL);
    g_autofree char *cpio_tool = g_find_program_in_path ("cpio");
    g_autofree char *out = NULL;
    int status = -1;
    g_autofree char *in_arg = g_strdup_printf ("--file=%s", plain);

    g_file_set_contents (plain, cpio, 512, &error);
    g_assert_no_error (error);
    if (cpio_tool == NULL)
      hg_test_skip_or_fail ("cpio is not installed");
    else
      {
        const char *argv[] = { cpio_tool, "-t", in_arg, NULL };
        g_assert_true (hg_spawn_work_run (argv, NULL, 10000, &out, &status));
        g_assert_cmpint (status, ==, 0);
        assert_contains (out, "preseed.cfg");
      }
  }
  hg_test_remove_tree (dir);
}

/* A file from an ISO, with xorriso */
static char *
read_from_iso (const char *iso,
               const char *path,
               const char *dir)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  g_autofree char *dest = g_build_filename (dir, "from-iso", NULL);
  g_autofree char *out = NULL;
  char *text = NULL;
  int status = -1;
  const char *argv[] = { xorriso, "-osirrox", "on", "-indev", iso, "-extract", path, dest, NULL };

  g_assert_true (hg_spawn_work_run (argv, NULL, 30000, &out, &status));
  if (status != 0)
    g_error ("xorriso: %s", out);
  g_assert_true (g_file_get_contents (dest, &text, NULL, NULL));
  g_chmod (dest, 0600);
  g_unlink (dest);
  return text;
}

static char *
iso_volume_id (const char *iso)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  g_autofree char *out = NULL;
  g_autoptr(GRegex) re = g_regex_new ("Volume id\\s*:\\s*'([^']*)'", 0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  int status = -1;
  const char *argv[] = { xorriso, "-indev", iso, "-pvd_info", NULL };

  g_assert_true (hg_spawn_work_run (argv, NULL, 30000, &out, &status));
  g_assert_cmpint (status, ==, 0);
  if (!g_regex_match (re, out, 0, &m))
    g_error ("no volume id in: %s", out);
  return g_match_info_fetch (m, 1);
}

static void
test_windows_media (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *media_dir = g_build_filename (dir, "install", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgInstallScript) script = NULL;
  g_autoptr(HgInstallMedia) media = NULL;
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;
  g_autofree char *staged = NULL;

  if (hg_test_iso_missing_tools () != NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools () != NULL ? hg_test_iso_missing_tools ()
                                                                 : "libosinfo not installed");
      return;
    }
  script = hg_install_script_generate (NULL, "win10", &params, &error);
  g_assert_no_error (error);
  media = hg_install_script_write_media (script, NULL, media_dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (media->cdrom);
  g_assert_null (media->kernel);
  /* the file on the medium is the one the script names, with the user */
  text = read_from_iso (media->cdrom, "/autounattend.xml", dir);
  assert_contains (text, "<Name>alice</Name>");
  assert_contains (text, "<Key/>");
  label = iso_volume_id (media->cdrom);
  g_assert_cmpstr (label, ==, "OEMDRV");
  /* only the CD is left, private */
  staged = g_build_filename (media_dir, "autounattend.xml", NULL);
  g_assert_false (g_file_test (staged, G_FILE_TEST_EXISTS));
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (media->cdrom, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  hg_test_remove_tree (dir);
}

/* ---- password file ------------------------------------------------------------- */

static void
test_password_file (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *missing = g_build_filename (dir, "nope", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *good = g_build_filename (dir, "pw", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pw = NULL;

  g_assert_null (hg_install_read_password_file (missing, &error));
  assert_contains (error->message, missing);
  g_clear_error (&error);

  g_file_set_contents (empty, "\n", -1, NULL);
  g_assert_null (hg_install_read_password_file (empty, &error));
  assert_contains (error->message, empty);
  assert_contains (error->message, "empty");
  g_clear_error (&error);

  g_assert_null (hg_install_read_password_file (dir, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_file_set_contents (good, "pass word\nsecond line\n", -1, NULL);
  pw = hg_install_read_password_file (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pw, ==, "pass word");
  hg_test_remove_tree (dir);
}

static void
test_defaults (void)
{
  g_autofree char *lang = NULL, *kbd = NULL, *tz = NULL;

  g_setenv ("LC_ALL", "de_AT.UTF-8", TRUE);
  lang = hg_install_default_language ();
  kbd = hg_install_default_keyboard ();
  g_assert_cmpstr (lang, ==, "de_AT");
  g_assert_cmpstr (kbd, ==, "at");
  g_clear_pointer (&lang, g_free);
  g_clear_pointer (&kbd, g_free);
  g_setenv ("LC_ALL", "C", TRUE);
  lang = hg_install_default_language ();
  kbd = hg_install_default_keyboard ();
  g_assert_cmpstr (lang, ==, "en_US");
  g_assert_cmpstr (kbd, ==, "us");
  g_unsetenv ("LC_ALL");
  g_setenv ("TZ", "America/New_York", TRUE);
  tz = hg_install_default_timezone ();
  g_assert_cmpstr (tz, ==, "America/New_York");
  g_unsetenv ("TZ");
}

/* ---- firmware ----------------------------------------------------------------- */

static void
test_firmware_advice (void)
{
  g_autoptr(HgOsFirmwareAdvice) win11 = NULL;
  g_autoptr(HgOsFirmwareAdvice) fedora = NULL;
  g_autoptr(HgOsFirmwareAdvice) dos = NULL;
  g_autoptr(HgOsFirmwareAdvice) arm = NULL;

  if (!hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("libosinfo / osinfo-db not installed");
      return;
    }
  win11 = hg_os_firmware_recommend ("win11", "x86_64");
  g_assert_cmpstr (win11->firmware, ==, "uefi-secure");
  g_assert_true (win11->tpm);
  g_assert_true (win11->needed);
  assert_contains (win11->reason, "Windows 11");
  assert_contains (win11->reason, "TPM");

  fedora = hg_os_firmware_recommend ("fedora37", "x86_64");
  g_assert_cmpstr (fedora->firmware, ==, "uefi");
  g_assert_false (fedora->tpm);
  g_assert_false (fedora->needed);
  assert_contains (fedora->reason, "Fedora");

  dos = hg_os_firmware_recommend ("freedos1.2", "x86_64");
  g_assert_cmpstr (dos->firmware, ==, "bios");
  g_assert_null (dos->reason);

  /* no UEFI firmware for the arch: BIOS (the board's own) */
  arm = hg_os_firmware_recommend ("fedora37", "mips");
  g_assert_cmpstr (arm->firmware, ==, "bios");

  g_assert_null (hg_os_firmware_recommend ("nosuchos42", "x86_64"));
}

/* ---- hangarctl ----------------------------------------------------------------- */

static int
ctl (char **out,
     char **err,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, hg_test_hangarctl_path ());
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = hg_test_run ((const char * const *) argv->pdata, out, err, 120000);
  g_test_message ("hangarctl: %d\n%s%s", status, *out, *err);
  return status;
}

/* Entries of a folder ("" when empty or missing), sorted */
static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static char *
install_root (void)
{
  return g_build_filename (g_getenv ("HANGAR_RUNTIME_DIR"), "install", NULL);
}

/* A Debian 11 netinst as libosinfo knows it (volume id, .disk/info), whose
 * installer (install.amd/vmlinuz, initrd.gz) is the demo guest: it shows
 * what reached the installer's root on its serial console */
static char *
make_demo_installer_iso (const char *dir)
{
  g_autofree char *kernel = hg_test_guest_file ("demo", "vmlinuz");
  g_autofree char *initrd = hg_test_guest_file ("demo", "initrd.img");
  g_autofree char *tree = g_build_filename (dir, "iso-tree", NULL);
  g_autofree char *amd = g_build_filename (tree, "install.amd", NULL);
  g_autofree char *disk = g_build_filename (tree, ".disk", NULL);
  g_autofree char *info = g_build_filename (disk, "info", NULL);
  g_autofree char *k = g_build_filename (amd, "vmlinuz", NULL);
  g_autofree char *i = g_build_filename (amd, "initrd.gz", NULL);
  g_autofree char *iso = g_build_filename (dir, "debian-11.5.0-amd64-netinst.iso", NULL);
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  g_autofree char *text = NULL, *out = NULL, *err = NULL;
  gsize len = 0;

  if (kernel == NULL || initrd == NULL || xorriso == NULL)
    return NULL;
  g_mkdir_with_parents (amd, 0755);
  g_mkdir_with_parents (disk, 0755);
  g_assert_true (g_file_get_contents (kernel, &text, &len, NULL));
  g_assert_true (g_file_set_contents (k, text, (gssize) len, NULL));
  g_clear_pointer (&text, g_free);
  /* the kernel takes an uncompressed cpio just as well */
  g_assert_true (g_file_get_contents (initrd, &text, &len, NULL));
  g_assert_true (g_file_set_contents (i, text, (gssize) len, NULL));
  g_assert_true (g_file_set_contents (info, HG_TEST_ISO_DEBIAN11_DISK_INFO, -1, NULL));
  {
    const char *argv[] = { xorriso, "-as", "mkisofs", "-quiet", "-V", HG_TEST_ISO_DEBIAN11_AMD64,
                           "-J", "-r", "-o", iso, tree, NULL };
    g_assert_cmpint (hg_test_run (argv, &out, &err, 60000), ==, 0);
  }
  hg_test_remove_tree (tree);
  return g_steal_pointer (&iso);
}

static void
test_cli_express_bad_input (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *pw = g_build_filename (dir, "pw", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *installs = install_root ();
  g_autofree char *dos = NULL, *unknown = NULL, *listing = NULL, *inst = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL, *err = NULL;

  if (hg_test_iso_missing_tools () != NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools () != NULL ? hg_test_iso_missing_tools ()
                                                                 : "libosinfo not installed");
      return;
    }
  g_mkdir (base, 0755);
  g_file_set_contents (pw, "pw\n", -1, NULL);
  g_file_set_contents (empty, "", -1, NULL);
  /* Clear Linux: libosinfo knows it, without an install script */
  dos = hg_test_iso_make (dir, "clr.iso", "CLR_ISO", NULL, &error);
  g_assert_no_error (error);
  unknown = hg_test_iso_make (dir, "mine.iso", "MY_OWN_DISC", NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", dos,
                        "--express", "--user", "alice", "--password-file", pw, NULL), ==, 2);
  assert_contains (err, "--express");
  assert_contains (err, "Express install is not available for Clear Linux");
  assert_contains (err, "no install script");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", unknown,
                        "--express", "--user", "alice", "--password-file", pw, NULL), ==, 2);
  assert_contains (err, "MY_OWN_DISC");
  assert_contains (err, "no install script");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the password file: missing, empty */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", dos,
                        "--express", "--user", "alice", "--password-file", missing, NULL), ==, 3);
  assert_contains (err, "--password-file");
  assert_contains (err, missing);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", dos,
                        "--express", "--user", "alice", "--password-file", empty, NULL), ==, 2);
  assert_contains (err, "empty");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* no password file at all */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", dos,
                        "--express", "--user", "alice", NULL), ==, 2);
  assert_contains (err, "--password-file");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* --express without an ISO */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--express",
                        "--user", "alice", "--password-file", pw, NULL), ==, 2);
  assert_contains (err, "--iso");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* nothing was left: no VM, no install media */
  listing = list_dir (base);
  g_assert_cmpstr (listing, ==, "");
  inst = list_dir (installs);
  g_assert_cmpstr (inst, ==, "");
  hg_test_remove_tree (dir);
}

/* A Windows install ISO as libosinfo knows it (volume id, publisher) */
static char *
make_windows_iso (const char *dir,
                  const char *name,
                  const char *volume_id)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  g_autofree char *tree = g_build_filename (dir, "win-tree", NULL);
  g_autofree char *readme = g_build_filename (tree, "setup.txt", NULL);
  g_autofree char *iso = g_build_filename (dir, name, NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { xorriso, "-as", "mkisofs", "-quiet", "-V", volume_id, "-publisher",
                         "MICROSOFT CORPORATION", "-o", iso, tree, NULL };

  g_mkdir_with_parents (tree, 0755);
  g_assert_true (g_file_set_contents (readme, "not really Windows\n", -1, NULL));
  g_assert_cmpint (hg_test_run (argv, &out, &err, 60000), ==, 0);
  hg_test_remove_tree (tree);
  return g_steal_pointer (&iso);
}

static void
test_cli_windows (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *pw = g_build_filename (dir, "pw", NULL);
  g_autofree char *win10 = NULL, *win11 = NULL, *media_dir = NULL, *answers = NULL;
  g_autofree char *config_path = NULL, *text = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  HgMedium *cd1;
  GKeyFile *kf;
  char *out = NULL, *err = NULL;

  if (hg_test_iso_missing_tools () != NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools () != NULL ? hg_test_iso_missing_tools ()
                                                                 : "libosinfo not installed");
      return;
    }
  g_mkdir (base, 0755);
  g_file_set_contents (pw, "Secret-1\n", -1, NULL);
  win10 = make_windows_iso (dir, "win10.iso", "CENA_X64FREV_EN-US_DV9");
  win11 = make_windows_iso (dir, "win11.iso", "CCCOMA_X64FRE_EN-US_DV9");

  /* Windows 11: UEFI with Secure Boot and a TPM, and the summary says why */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "w11", "--iso", win11,
                        "--net", "none", NULL), ==, 0);
  assert_contains (out, "Detected Microsoft Windows 11");
  assert_contains (out, "Firmware: UEFI with Secure Boot, and a TPM 2.0");
  assert_contains (out, "BIOS is not supported");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  config_path = g_build_filename (base, "w11", "w11.hangar", NULL);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  kf = hg_vm_config_get_keyfile (config);
  {
    g_autofree char *firmware = g_key_file_get_value (kf, "machine", "firmware", NULL);
    g_autofree char *tpm = g_key_file_get_value (kf, "machine", "tpm", NULL);

    g_assert_cmpstr (firmware, ==, "uefi-secure");
    g_assert_cmpstr (tpm, ==, "true");
  }
  g_clear_pointer (&config, hg_vm_config_unref);
  g_clear_pointer (&config_path, g_free);
  /* osinfo-db 2022 lists no install script for it: refused, saying so */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "w11x", "--iso", win11,
                        "--express", "--user", "alice", "--password-file", pw, NULL), ==, 2);
  assert_contains (err, "Express install is not available for Microsoft Windows 11");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Windows 10: autounattend.xml on an extra CD, the installer CD boots */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "w10", "--iso", win10,
                        "--express", "--user", "alice", "--password-file", pw, "--hostname",
                        "winbox", "--net", "none", NULL), ==, 0);
  assert_contains (out, "autounattend.xml, delivered by cdrom");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  config_path = g_build_filename (base, "w10", "w10.hangar", NULL);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_true (hg_install_phase_active (config));
  g_assert_cmpint (config->boot_mode, ==, HG_BOOT_CDROM);
  g_assert_cmpuint (config->media->len, ==, 2);
  cd1 = config->media->pdata[1];
  media_dir = hg_install_phase_media_dir (config->uuid);
  answers = g_build_filename (media_dir, "answers.iso", NULL);
  g_assert_cmpstr (cd1->path, ==, answers);
  text = read_from_iso (answers, "/autounattend.xml", dir);
  assert_contains (text, "<Name>alice</Name>");
  assert_contains (text, "<ComputerName>winbox</ComputerName>");
  assert_contains (text, "<Key/>");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  g_assert_null (strstr (text, "Secret-1"));
  g_assert_true (g_str_has_prefix (text, "[machine]"));

  /* the end of the install (as HgVm's watcher does it) */
  g_assert_true (hg_install_phase_complete (config, &error));
  g_assert_no_error (error);
  g_clear_pointer (&config, hg_vm_config_unref);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_false (hg_install_phase_active (config));
  g_assert_cmpint (config->boot_mode, ==, HG_BOOT_DISK);
  g_assert_cmpuint (config->media->len, ==, 1);
  g_assert_null (((HgMedium *) config->media->pdata[0])->path);
  g_assert_false (g_file_test (media_dir, G_FILE_TEST_EXISTS));
  hg_test_remove_tree (dir);
}

/* ---- the install phase, with a real QEMU ------------------------------------------ */

static gboolean
serial_ready (gpointer data)
{
  return g_file_test (hg_vm_get_serial_path (data), G_FILE_TEST_EXISTS);
}

/* The demo guest's shell answers on the serial console (it may still boot) */
static void
wait_for_shell (HgTestSerial *serial)
{
  for (guint i = 0; i < 60; i++)
    {
      hg_test_serial_mark (serial);
      hg_test_serial_write (serial, "echo SHELL$((40+2))\n");
      if (hg_test_serial_wait_for (serial, "SHELL42", 5000))
        return;
    }
  g_error ("no shell on the serial console: %s", hg_test_serial_output (serial));
}

static void
test_install_phase (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *pw = g_build_filename (dir, "pw", NULL);
  g_autofree char *iso = NULL, *config_path = NULL, *media_dir = NULL, *text = NULL;
  g_autofree char *ctl_path = hg_test_hangarctl_path ();
  g_autofree char *start_out = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) after = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GSubprocess) start = NULL;
  g_autoptr(GAsyncResult) start_done = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL, *err = NULL;

  iso = make_demo_installer_iso (dir);
  if (iso == NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("the demo guest (tools/build-guests.sh), xorriso or libosinfo is missing");
      return;
    }
  g_mkdir (base, 0755);
  g_file_set_contents (pw, "Secret-1\n", -1, NULL);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "inst", "--iso", iso,
                        "--express", "--user", "alice", "--password-file", pw, "--hostname",
                        "box1", "--timezone", "Europe/Berlin", "--net", "none", "--console",
                        "serial", "--accel", "tcg", "--memory", "256", "--disk-size", "16M", NULL), ==, 0);
  assert_contains (out, "Express install of Debian 11");
  assert_contains (out, "preseed.cfg");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  config_path = g_build_filename (base, "inst", "inst.hangar", NULL);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  /* the password is nowhere in the VM's folder */
  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  g_assert_null (strstr (text, "Secret-1"));
  g_assert_true (hg_install_phase_active (config));
  g_assert_cmpint (config->boot_mode, ==, HG_BOOT_KERNEL);
  media_dir = hg_install_phase_media_dir (config->uuid);
  g_assert_true (g_str_has_prefix (config->kernel, media_dir));
  g_assert_true (g_file_test (config->initrd, G_FILE_TEST_IS_REGULAR));
  assert_contains (config->append, "debconf/priority=critical");

  /* hangarctl start --wait-install: stays until the install is over */
  {
    const char *argv[] = { ctl_path, "--base", base, "start", "--wait-install", "inst", NULL };
    start = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
    g_assert_no_error (error);
    g_subprocess_wait_async (start, NULL, hg_test_store_result, &start_done);
  }
  vm = hg_vm_new_for_config (config);
  g_assert_true (hg_test_wait_until (serial_ready, vm, 60000));
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  wait_for_shell (serial);
  /* the answer file is in the installer's root, as d-i looks for it */
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "grep -c 'passwd/username alice' /preseed.cfg\n");
  g_assert_true (hg_test_serial_wait_for (serial, "\n1", 30000));
  hg_test_serial_write (serial, "grep -c 'get_hostname string box1' /preseed.cfg\n");
  g_assert_true (hg_test_serial_wait_for (serial, "\n1", 30000));

  /* the installer is done: it reboots, which ends QEMU (-no-reboot); the
   * watcher in hangarctl removes the media and starts the VM from its disk */
  hg_test_serial_write (serial, "reboot -f\n");
  g_assert_true (hg_test_wait_result (&start_done, 120000));
  {
    GInputStream *stdout_pipe = g_subprocess_get_stdout_pipe (start);
    char buf[4096];
    gssize n = g_input_stream_read (stdout_pipe, buf, sizeof buf - 1, NULL, NULL);
    buf[MAX (n, 0)] = '\0';
    start_out = g_strdup (buf);
    g_test_message ("hangarctl start --wait-install: %s", start_out);
  }
  g_assert_true (g_subprocess_get_if_exited (start));
  g_assert_cmpint (g_subprocess_get_exit_status (start), ==, 0);
  assert_contains (start_out, "Installing");
  assert_contains (start_out, "Installed");
  g_assert_false (g_file_test (media_dir, G_FILE_TEST_EXISTS));
  after = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_false (hg_install_phase_active (after));
  g_assert_cmpint (after->boot_mode, ==, HG_BOOT_DISK);
  g_assert_null (after->kernel);
  g_assert_null (after->initrd);
  g_assert_null (after->append);
  g_assert_null (hg_vm_config_get_medium (after, HG_MEDIUM_CDROM)->path);
  /* and it runs again, from its disk */
  {
    g_autoptr(HgVm) again = hg_vm_new_for_config (after);
    g_autoptr(GAsyncResult) result = NULL;

    hg_vm_attach_async (again, NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 20000));
    g_assert_true (hg_vm_attach_finish (again, result, &error));
    g_assert_no_error (error);
    g_assert_cmpint (hg_vm_get_state (again), ==, HG_VM_STATE_RUNNING);
    hg_test_vm_kill (again);
  }
  hg_test_remove_tree (dir);
}

/* ---- cloud images ---------------------------------------------------------------- */

static void
test_cloud_seed (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *seed = g_build_filename (dir, "seed.iso", NULL);
  g_autofree char *keys_path = g_build_filename (dir, "id.pub", NULL);
  g_autofree char *hash = NULL, *keys = NULL, *user_data = NULL, *meta_data = NULL, *label = NULL;
  g_autoptr(GError) error = NULL;
  HgCloudInitParams p = { .user = "alice", .hostname = "web1", .instance_id = "iid-1234" };
  g_autoptr(GRegex) passwd = g_regex_new ("passwd: \"([^\"]*)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *stored = NULL;

  if (hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools ());
      return;
    }
  hash = hg_cloud_init_hash_password ("Pw with spaces", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hash, "$6$"));
  g_file_set_contents (keys_path, "# mine\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake alice@host\n\n", -1, NULL);
  keys = hg_cloud_init_read_ssh_keys (keys_path, &error);
  g_assert_no_error (error);
  p.password_hash = hash;
  p.ssh_keys = keys;
  g_assert_true (hg_cloud_init_write_seed (&p, seed, &error));
  g_assert_no_error (error);

  label = iso_volume_id (seed);
  g_assert_cmpstr (label, ==, "cidata");
  user_data = read_from_iso (seed, "/user-data", dir);
  meta_data = read_from_iso (seed, "/meta-data", dir);
  g_assert_true (g_str_has_prefix (user_data, "#cloud-config\n"));
  assert_contains (user_data, "- name: \"alice\"");
  assert_contains (user_data, "hostname: \"web1\"");
  assert_contains (user_data, "- \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake alice@host\"");
  g_assert_null (strstr (user_data, "Pw with spaces"));
  g_assert_null (strstr (user_data, "# mine"));
  assert_contains (meta_data, "instance-id: \"iid-1234\"");
  assert_contains (meta_data, "local-hostname: \"web1\"");

  /* the stored hash verifies the password, and only it */
  g_assert_true (g_regex_match (passwd, user_data, 0, &m));
  stored = g_match_info_fetch (m, 1);
  g_assert_cmpstr (crypt ("Pw with spaces", stored), ==, stored);
  g_assert_cmpstr (crypt ("pw with spaces", stored), !=, stored);
  /* a random salt: two hashes differ */
  {
    g_autofree char *again = hg_cloud_init_hash_password ("Pw with spaces", NULL);
    g_assert_cmpstr (again, !=, hash);
  }

  /* bad values are refused before anything is written */
  p.user = "Bad User";
  g_assert_false (hg_cloud_init_write_seed (&p, seed, &error));
  g_assert_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_USER);
  g_clear_error (&error);
  p.user = "alice";
  p.hostname = "bad_host";
  g_assert_false (hg_cloud_init_write_seed (&p, seed, &error));
  g_assert_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_HOSTNAME);
  g_clear_error (&error);
  hg_test_remove_tree (dir);
}

static void
test_cloud_bad_input (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *image = g_build_filename (dir, "cloud.qcow2", NULL);
  g_autofree char *raw = g_build_filename (dir, "cloud.raw", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *priv = g_build_filename (dir, "id", NULL);
  g_autofree char *missing = g_build_filename (dir, "nokey.pub", NULL);
  g_autofree char *key = g_build_filename (dir, "id.pub", NULL);
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autofree char *listing = NULL;
  char *out = NULL, *err = NULL;

  if (qemu_img == NULL || hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail ("qemu-img or xorriso is not installed");
      return;
    }
  g_mkdir (base, 0755);
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", image, "16M", NULL };
    const char *argv2[] = { qemu_img, "create", "-q", "-f", "raw", raw, "1M", NULL };
    g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (hg_test_run (argv2, &out, &err, 30000), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  g_file_set_contents (empty, "", -1, NULL);
  g_file_set_contents (priv, "-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n", -1, NULL);
  g_file_set_contents (key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake a@b\n", -1, NULL);

  /* a missing SSH key file */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", image,
                        "--user", "alice", "--ssh-key", missing, NULL), ==, 3);
  assert_contains (err, "--ssh-key");
  assert_contains (err, missing);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a private key instead of the public one */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", image,
                        "--user", "alice", "--ssh-key", priv, NULL), ==, 2);
  assert_contains (err, "private key");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* an empty password file */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", image,
                        "--user", "alice", "--password-file", empty, NULL), ==, 2);
  assert_contains (err, "--password-file");
  assert_contains (err, "empty");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* no way to log in */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", image,
                        "--user", "alice", NULL), ==, 2);
  assert_contains (err, "--ssh-key");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* the disk only grows */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", image,
                        "--user", "alice", "--ssh-key", key, "--disk-size", "8M", NULL), ==, 2);
  assert_contains (err, "--disk-size");
  assert_contains (err, "can only grow");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a raw image cannot back an overlay: refused during the creation,
   * which then leaves nothing */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "c", "--cloud-image", raw,
                        "--user", "alice", "--ssh-key", key, NULL), ==, 1);
  assert_contains (err, "--copy");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  listing = list_dir (base);
  g_assert_cmpstr (listing, ==, "");
  hg_test_remove_tree (dir);
}

static void
test_cloud_start (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *image = g_build_filename (dir, "debian-11-nocloud-amd64.qcow2", NULL);
  g_autofree char *key = g_build_filename (dir, "id.pub", NULL);
  g_autofree char *config_path = NULL, *seed = NULL;
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autofree char *kernel = hg_test_guest_file ("demo", "vmlinuz");
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  gboolean seen_seed = FALSE, seen_disk = FALSE;
  char *out = NULL, *err = NULL;

  if (qemu_img == NULL || hg_test_iso_missing_tools () != NULL || kernel == NULL)
    {
      hg_test_skip_or_fail ("qemu-img, xorriso or the test guests (tools/build-guests.sh) missing");
      return;
    }
  g_mkdir (base, 0755);
  /* the "cloud image": a qcow2 made by qemu-img from a test guest's kernel
   * (nothing boots from it; what counts is what QEMU opens) */
  {
    const char *argv[] = { qemu_img, "convert", "-q", "-f", "raw", "-O", "qcow2", kernel, image, NULL };
    g_assert_cmpint (hg_test_run (argv, &out, &err, 60000), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  g_file_set_contents (key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake a@b\n", -1, NULL);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "cloud", "--cloud-image",
                        image, "--user", "alice", "--ssh-key", key, "--net", "none", "--console",
                        "none", "--accel", "tcg", "--memory", "128", "--disk-size", "64M", NULL), ==, 0);
  /* libosinfo knows the image by its name */
  assert_contains (out, "debian11");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  config_path = g_build_filename (base, "cloud", "cloud.hangar", NULL);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((HgDisk *) config->disks->pdata[0])->path, ==, "cloud.qcow2");
  g_assert_cmpstr (((HgDisk *) config->disks->pdata[0])->allow_backing[0], ==, image);
  /* the overlay is as large as asked */
  {
    g_autofree char *overlay = g_build_filename (base, "cloud", "cloud.qcow2", NULL);
    const char *argv[] = { qemu_img, "info", "--output=json", "-U", overlay, NULL };

    g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
    assert_contains (out, "\"virtual-size\": 67108864");
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  seed = g_build_filename (base, "cloud", "cloud-seed.iso", NULL);
  g_assert_cmpstr (hg_vm_config_get_medium (config, HG_MEDIUM_CDROM)->path, ==, "cloud-seed.iso");

  vm = hg_vm_new_for_config (config);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  hg_vm_media_list_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  blocks = hg_vm_media_list_finish (vm, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < blocks->len; i++)
    {
      HgQmpBlockInfo *info = blocks->pdata[i];

      g_test_message ("block %s: %s (backing %s)", info->qdev, info->file, info->backing_file);
      if (info->removable && g_strcmp0 (info->file, seed) == 0)
        seen_seed = TRUE;
      if (!info->removable && info->file != NULL && g_str_has_suffix (info->file, "cloud.qcow2") &&
          g_strcmp0 (info->backing_file, image) == 0)
        seen_disk = TRUE;
    }
  g_assert_true (seen_seed);
  g_assert_true (seen_disk);
  hg_test_vm_kill (vm);
  hg_test_remove_tree (dir);
}

/* ---- Debian's real installer --------------------------------------------------------- */

/* d-i's text frontend on the serial console, escape sequences dropped */
static char *
plain_text (const char *console)
{
  g_autoptr(GRegex) escapes = g_regex_new ("\x1b(\\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z]|[=>])", 0, 0, NULL);

  return g_regex_replace_literal (escapes, console, -1, 0, "", 0, NULL);
}

static void
test_debian_installer (void)
{
  g_autofree char *iso = hg_test_guest_file ("d-i", "netinst.iso");
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "base", NULL);
  g_autofree char *pw = g_build_filename (dir, "pw", NULL);
  g_autofree char *config_path = NULL, *text = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  /* the questions an express install answers: d-i's titles and prompts */
  static const char *const never[] = {
    "Select a language", "Select your location", "Configure the keyboard",
    "Please enter the hostname", "Domain name", "Set up users and passwords",
    "Full name for the new user", "Root password",
  };
  char *out = NULL, *err = NULL;

  if (iso == NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("Debian's installer (tools/build-guests.sh: d-i/netinst.iso) or "
                            "libosinfo is missing");
      return;
    }
  g_mkdir (base, 0755);
  g_file_set_contents (pw, "Secret-1\n", -1, NULL);
  /* user-mode network: DHCP answers, and the mirror named on the kernel
   * command line (as d-i takes any answer there) does not exist, so the
   * installer stops where it needs the archive, with or without a way out */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "deb", "--iso", iso,
                        "--express", "--user", "alice", "--password-file", pw, "--profile", "jeos",
                        "--hostname", "deb1", "--net", "user", "--console", "serial", "--accel",
                        "tcg", "--memory", "1024", "--disk-size", "2G", "--append",
                        "DEBIAN_FRONTEND=text mirror/country=manual mirror/http/hostname=mirror.invalid "
                        "mirror/http/directory=/debian", NULL), ==, 0);
  assert_contains (out, "Express install of Debian");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  config_path = g_build_filename (base, "deb", "deb.hangar", NULL);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_for_config (config);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_vm_resume_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  g_assert_true (hg_vm_action_finish (vm, result, NULL));

  /* d-i got its network, then stopped at the mirror: the first question
   * it asks (TCG: minutes) */
  g_assert_true (hg_test_serial_wait_for (serial, "Configuring the network with DHCP", 900000));
  g_assert_true (hg_test_serial_wait_for (serial, "Bad archive mirror", 600000));
  text = plain_text (hg_test_serial_output (serial));
  for (guint i = 0; i < G_N_ELEMENTS (never); i++)
    if (strstr (text, never[i]) != NULL)
      {
        g_autofree char *escaped = g_strescape (text, NULL);
        g_error ("d-i asked “%s”: %s", never[i], escaped);
      }
  hg_test_vm_kill (vm);
  {
    /* the install did not end: the phase and its media stay */
    g_autoptr(HgVmConfig) after = hg_vm_config_load (config_path, &error);
    g_autofree char *media = hg_install_phase_media_dir (after->uuid);

    g_assert_no_error (error);
    g_assert_true (hg_install_phase_active (after));
    g_assert_true (g_file_test (media, G_FILE_TEST_IS_DIR));
    hg_install_phase_remove_media (after->uuid);
  }
  hg_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
#ifdef HG_TEST_DEBIAN_INSTALLER
  const gboolean debian_installer = TRUE;
#else
  const gboolean debian_installer = FALSE;
#endif
  int status;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  /* Debian's installer is a program of its own: minutes under TCG (suite slow) */
  if (debian_installer)
    g_test_add_func ("/hangar/express/debian-installer", test_debian_installer);
  else
    {
      g_test_add_func ("/hangar/express/answer-files", test_answer_files);
      g_test_add_func ("/hangar/express/no-script", test_no_script);
      g_test_add_func ("/hangar/express/initrd-append", test_initrd_append);
      g_test_add_func ("/hangar/express/windows-media", test_windows_media);
      g_test_add_func ("/hangar/express/password-file", test_password_file);
      g_test_add_func ("/hangar/express/defaults", test_defaults);
      g_test_add_func ("/hangar/express/firmware-advice", test_firmware_advice);
      g_test_add_func ("/hangar/express/cli-bad-input", test_cli_express_bad_input);
      g_test_add_func ("/hangar/express/cli-windows", test_cli_windows);
      g_test_add_func ("/hangar/express/install-phase", test_install_phase);
      g_test_add_func ("/hangar/express/cloud-seed", test_cloud_seed);
      g_test_add_func ("/hangar/express/cloud-bad-input", test_cloud_bad_input);
      g_test_add_func ("/hangar/express/cloud-start", test_cloud_start);
    }
  status = g_test_run ();
  hg_test_runtime_cleanup ();
  return status;
}
