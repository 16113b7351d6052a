/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-test-iso.h"

#define ISOLINUX_BIN "/usr/lib/ISOLINUX/isolinux.bin"
#define LDLINUX_C32  "/usr/lib/syslinux/modules/bios/ldlinux.c32"

const char *
hg_test_iso_missing_tools (void)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");

  if (xorriso == NULL)
    return "xorriso is not installed";
  if (!g_file_test (ISOLINUX_BIN, G_FILE_TEST_IS_REGULAR))
    return "isolinux is not installed (" ISOLINUX_BIN ")";
  if (!g_file_test (LDLINUX_C32, G_FILE_TEST_IS_REGULAR))
    return "syslinux-common is not installed (" LDLINUX_C32 ")";
  return NULL;
}

static gboolean
write_file (const char  *root,
            const char  *rel,
            const char  *contents,
            gsize        length,
            GError     **error)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0755);
  return g_file_set_contents (path, contents, (gssize) length, error);
}

static gboolean
copy_file (const char  *from,
           const char  *root,
           const char  *rel,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (from, &contents, &length, error))
    return FALSE;
  return write_file (root, rel, contents, length, error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

static char *
run_xorriso (const char  *root,
             const char  *dir,
             const char  *name,
             const char  *volume_id,
             gboolean     bootable,
             GError     **error)
{
  g_autofree char *out = g_build_filename (dir, name, NULL);
  g_autofree char *abs = g_canonicalize_filename (out, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *err = NULL;
  const char *missing = hg_test_iso_missing_tools ();

  if (missing != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", missing);
      return NULL;
    }
  g_ptr_array_add (argv, (char *) "xorriso");
  g_ptr_array_add (argv, (char *) "-as");
  g_ptr_array_add (argv, (char *) "mkisofs");
  g_ptr_array_add (argv, (char *) "-quiet");
  g_ptr_array_add (argv, (char *) "-R");
  g_ptr_array_add (argv, (char *) "-J");
  g_ptr_array_add (argv, (char *) "-V");
  g_ptr_array_add (argv, (char *) volume_id);
  if (bootable)
    {
      g_ptr_array_add (argv, (char *) "-b");
      g_ptr_array_add (argv, (char *) "isolinux/isolinux.bin");
      g_ptr_array_add (argv, (char *) "-c");
      g_ptr_array_add (argv, (char *) "isolinux/boot.cat");
      g_ptr_array_add (argv, (char *) "-no-emul-boot");
      g_ptr_array_add (argv, (char *) "-boot-load-size");
      g_ptr_array_add (argv, (char *) "4");
      g_ptr_array_add (argv, (char *) "-boot-info-table");
    }
  g_ptr_array_add (argv, (char *) "-o");
  g_ptr_array_add (argv, abs);
  g_ptr_array_add (argv, (char *) root);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, error))
    return NULL;
  if (!g_subprocess_get_successful (proc))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "xorriso failed: %s", err);
      return NULL;
    }
  return g_steal_pointer (&abs);
}

char *
hg_test_iso_make (const char  *dir,
                  const char  *name,
                  const char  *volume_id,
                  const char  *disk_info,
                  GError     **error)
{
  g_autofree char *root = g_build_filename (dir, ".iso-root-XXXXXX", NULL);
  char *iso = NULL;

  if (g_mkdtemp (root) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mkdtemp in %s failed", dir);
      return NULL;
    }
  if (write_file (root, "README.txt", "Hangar test medium\n", 19, error) &&
      (disk_info == NULL || write_file (root, ".disk/info", disk_info, strlen (disk_info), error)))
    iso = run_xorriso (root, dir, name, volume_id, FALSE, error);
  remove_tree (root);
  return iso;
}

char *
hg_test_iso_make_bootable_demo (const char  *dir,
                                const char  *name,
                                const char  *volume_id,
                                GError     **error)
{
  const char *guests = g_getenv ("HANGAR_GUESTS_DIR");
  g_autofree char *demo = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *cmdline_file = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *cfg = NULL;
  g_autofree char *root = g_build_filename (dir, ".iso-root-XXXXXX", NULL);
  char *iso = NULL;

  if (guests == NULL || guests[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "HANGAR_GUESTS_DIR is not set (tools/build-guests.sh builds the guests)");
      return NULL;
    }
  demo = g_build_filename (guests, "demo", NULL);
  kernel = g_build_filename (demo, "vmlinuz", NULL);
  initrd = g_build_filename (demo, "initrd.img", NULL);
  cmdline_file = g_build_filename (demo, "cmdline", NULL);
  if (!g_file_test (kernel, G_FILE_TEST_IS_REGULAR) || !g_file_test (initrd, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the demo guest is not built in %s (tools/build-guests.sh)", demo);
      return NULL;
    }
  if (!g_file_get_contents (cmdline_file, &cmdline, NULL, NULL))
    cmdline = g_strdup ("console=tty0 console=ttyS0,115200");
  g_strstrip (cmdline);
  cfg = g_strdup_printf ("DEFAULT demo\n"
                         "PROMPT 0\n"
                         "TIMEOUT 1\n"
                         "LABEL demo\n"
                         "  KERNEL /install.amd/vmlinuz\n"
                         "  INITRD /install.amd/initrd.gz\n"
                         "  APPEND %s\n", cmdline);

  if (g_mkdtemp (root) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mkdtemp in %s failed", dir);
      return NULL;
    }
  /* the layout of a Debian netinst: install.amd/{vmlinuz,initrd.gz} */
  if (copy_file (ISOLINUX_BIN, root, "isolinux/isolinux.bin", error) &&
      copy_file (LDLINUX_C32, root, "isolinux/ldlinux.c32", error) &&
      write_file (root, "isolinux/isolinux.cfg", cfg, strlen (cfg), error) &&
      copy_file (kernel, root, "install.amd/vmlinuz", error) &&
      copy_file (initrd, root, "install.amd/initrd.gz", error) &&
      write_file (root, ".disk/info", HG_TEST_ISO_DEBIAN11_DISK_INFO,
                  strlen (HG_TEST_ISO_DEBIAN11_DISK_INFO), error))
    iso = run_xorriso (root, dir, name, volume_id, TRUE, error);
  remove_tree (root);
  return iso;
}

char *
hg_test_iso_build (const char  *dir,
                   GError     **error)
{
  return hg_test_iso_make_bootable_demo (dir, "install.iso", HG_TEST_ISO_DEBIAN11_AMD64, error);
}
