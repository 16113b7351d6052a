/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

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

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  g_test_add_func ("/hangar/express/answer-files", test_answer_files);
  g_test_add_func ("/hangar/express/no-script", test_no_script);
  g_test_add_func ("/hangar/express/initrd-append", test_initrd_append);
  g_test_add_func ("/hangar/express/windows-media", test_windows_media);
  g_test_add_func ("/hangar/express/password-file", test_password_file);
  g_test_add_func ("/hangar/express/defaults", test_defaults);
  g_test_add_func ("/hangar/express/firmware-advice", test_firmware_advice);
  status = g_test_run ();
  hg_test_runtime_cleanup ();
  return status;
}
