/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-disk-image.h"
#include "hg-osinfo.h"
#include "hg-spawn.h"
#include "hg-test-iso.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm-spec.h"

/*
* The core of VM creation: HgVmSpec defaults, validation of every
 * bad input, OS detection on ISOs built here with xorriso, untrusted disk
 * images, atomic creation with progress and cancel, and `hangarctl create`
 * on top of it.  Real qemu-img, real libosinfo, no mocks.
 */

static HgHostCaps *caps;
static char *ctl_path;
static char *qemu_img;

/* ---- helpers ------------------------------------------------------------------ */

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("hgcreate-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
list_tree (GString    *s,
           const char *root,
           const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = rel[0] != '\0' ? g_build_filename (rel, names->pdata[i], NULL)
                                              : g_strdup (names->pdata[i]);
      g_autofree char *full = g_build_filename (root, child, NULL);

      g_string_append_printf (s, "%s\n", child);
      if (g_file_test (full, G_FILE_TEST_IS_DIR) && !g_file_test (full, G_FILE_TEST_IS_SYMLINK))
        list_tree (s, root, child);
    }
}

static char *
tree_snapshot (const char *dir)
{
  GString *s = g_string_new (NULL);

  list_tree (s, dir, "");
  return g_string_free (s, FALSE);
}

/* qemu-img with argv, asserting success */
static void
img (const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL, *err = NULL;
  const char *arg;
  va_list ap;
  int status;

  g_ptr_array_add (argv, qemu_img);
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  status = hg_test_run ((const char * const *) argv->pdata, &out, &err, 60000);
  if (status != 0)
    g_error ("qemu-img %s failed (%d): %s", first, status, err);
}

static HgVmSpec *
new_spec (const char *base)
{
  const char *bases[] = { base, NULL };

  return hg_vm_spec_new (bases, caps);
}

static void
assert_page_error (HgVmSpec     *spec,
                   HgVmSpecPage  page,
                   int           code,
                   const char   *needle)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (hg_vm_spec_validate_page (spec, page, &error));
  g_assert_error (error, HG_VM_SPEC_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, error->message);
  g_assert_nonnull (hg_vm_spec_error_get_property (error));
  g_clear_error (&error);
  /* Finish stays disabled */
  g_assert_false (hg_vm_spec_validate (spec, &error));
}

static void
assert_page_ok (HgVmSpec     *spec,
                HgVmSpecPage  page)
{
  g_autoptr(GError) error = NULL;

  hg_vm_spec_validate_page (spec, page, &error);
  g_assert_no_error (error);
}

static HgVmConfig *
create_sync (HgVmSpec      *spec,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_vm_spec_create_async (spec, NULL, NULL, NULL, cancellable, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 120000));
  return hg_vm_spec_create_finish (spec, result, error);
}

/* ---- OS detection --------------------------------------------------------------- */

static void
test_osinfo_detect (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *amd64 = NULL, *arm64 = NULL, *other = NULL, *boot = NULL;
  g_autofree char *text = g_build_filename (dir, "notes.iso", NULL);
  g_autoptr(HgOsInfo) os = NULL;
  g_autoptr(GPtrArray) found = NULL;
  gboolean seen = FALSE;

  if (hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools ());
      return;
    }
  /* a Debian 11 netinst, as cdimage.debian.org ships it */
  amd64 = hg_test_iso_make (dir, "debian-11.5.0-amd64-netinst.iso", HG_TEST_ISO_DEBIAN11_AMD64,
                            HG_TEST_ISO_DEBIAN11_DISK_INFO, &error);
  g_assert_no_error (error);
  os = hg_osinfo_detect_iso (amd64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (os->id, ==, "debian11");
  g_assert_cmpstr (os->name, ==, "Debian 11");
  g_assert_cmpstr (os->version, ==, "11");
  g_assert_cmpstr (os->family, ==, "linux");
  g_assert_cmpstr (os->arch, ==, "x86_64");
  g_assert_cmpstr (os->volume_id, ==, HG_TEST_ISO_DEBIAN11_AMD64);
  g_assert_true (os->installer);
  g_assert_cmpuint (os->memory_mib, ==, 1024);
  g_assert_cmpuint (os->disk_bytes, ==, G_GUINT64_CONSTANT (20) << 30);
  g_assert_cmpstr (os->disk_bus, ==, "virtio");
  g_assert_cmpstr (os->nic_model, ==, "virtio-net-pci");
  g_clear_pointer (&os, hg_os_info_unref);

  /* the arm64 one: same OS, the medium's arch */
  arm64 = hg_test_iso_make (dir, "arm64.iso", HG_TEST_ISO_DEBIAN11_ARM64, NULL, &error);
  g_assert_no_error (error);
  os = hg_osinfo_detect_iso (arm64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (os->id, ==, "debian11");
  g_assert_cmpstr (os->arch, ==, "aarch64");
  g_clear_pointer (&os, hg_os_info_unref);

  /* the bootable demo medium of the end-to-end test is a Debian 11 too */
  boot = hg_test_iso_make_bootable_demo (dir, "boot.iso", HG_TEST_ISO_DEBIAN11_AMD64, &error);
  if (boot == NULL)
    {
      hg_test_skip_or_fail_printf ("bootable ISO not built: %s", error->message);
      g_clear_error (&error);
    }
  else
    {
      os = hg_osinfo_detect_iso (boot, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (os->id, ==, "debian11");
      g_clear_pointer (&os, hg_os_info_unref);
    }

  /* a medium nobody knows: the error names its volume id */
  other = hg_test_iso_make (dir, "mine.iso", "MY_OWN_DISC", NULL, &error);
  g_assert_no_error (error);
  os = hg_osinfo_detect_iso (other, NULL, &error);
  g_assert_null (os);
  g_assert_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "MY_OWN_DISC"));
  g_clear_error (&error);

  /* not an ISO at all */
  hg_test_write_file (text, "just text\n");
  os = hg_osinfo_detect_iso (text, NULL, &error);
  g_assert_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NOT_MEDIA);
  g_assert_nonnull (strstr (error->message, "CD001"));
  g_clear_error (&error);

  /* the list for the "choose" page: searchable, with recommendations */
  found = hg_osinfo_search ("debian 11", 0);
  for (guint i = 0; i < found->len; i++)
    {
      HgOsInfo *info = found->pdata[i];
      if (g_str_equal (info->id, "debian11"))
        {
          seen = TRUE;
          g_assert_cmpuint (info->memory_mib, ==, 1024);
        }
    }
  g_assert_true (seen);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = hg_osinfo_search (NULL, 0);
  g_assert_cmpuint (found->len, >, 100);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = hg_osinfo_search ("no such system at all", 0);
  g_assert_cmpuint (found->len, ==, 0);
  os = hg_osinfo_lookup ("debian11");
  g_assert_nonnull (os);
  g_assert_cmpstr (os->name, ==, "Debian 11");
  g_assert_null (hg_osinfo_lookup ("zz-no-such-os"));

  hg_test_remove_tree (dir);
}

static gboolean
libosinfo_mapped (void)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  return strstr (maps, "libosinfo") != NULL;
}

/* libosinfo (and the libraries it brings) is loaded on first use only;
 * a broken module is a clear error naming it, not a crash */
static void
test_osinfo_module (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) found = NULL;
      const char *bad_dir = g_getenv ("HG_TEST_BAD_MODULE_DIR");

      g_assert_false (libosinfo_mapped ());
      if (bad_dir != NULL && bad_dir[0] != '\0')
        {
          g_setenv ("HANGAR_OSINFO_MODULE_DIR", bad_dir, TRUE);
          g_assert_false (hg_osinfo_init (&error));
          g_assert_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NO_DATABASE);
          g_assert_nonnull (strstr (error->message, bad_dir));
          found = hg_osinfo_search ("debian", 0);
          g_assert_cmpuint (found->len, ==, 0);
          g_assert_null (hg_osinfo_lookup ("debian11"));
          g_assert_false (libosinfo_mapped ());
          return;
        }
      g_assert_true (hg_osinfo_init (&error));
      g_assert_no_error (error);
      g_assert_true (libosinfo_mapped ());
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  {
    g_autofree char *dir = make_dir ();
    g_autofree char *module = g_build_filename (dir, "hangar-osinfo.so", NULL);

    hg_test_write_file (module, "not a shared object\n");
    /* the subprocess inherits it */
    g_setenv ("HG_TEST_BAD_MODULE_DIR", dir, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_setenv ("HG_TEST_BAD_MODULE_DIR", "", TRUE);
    g_test_trap_assert_passed ();
    hg_test_remove_tree (dir);
  }
}

/* The spec applies what was detected, asynchronously */
static void
test_spec_detect (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autoptr(HgVmSpec) spec = new_spec (base);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HgOsInfo) os = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *os_id = NULL;
  gboolean detected = FALSE;

  if (hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools ());
      return;
    }
  iso = hg_test_iso_make (dir, "d.iso", HG_TEST_ISO_DEBIAN11_AMD64, NULL, &error);
  g_assert_no_error (error);
  g_object_set (spec, "source", HG_INSTALL_SOURCE_ISO, "iso-path", iso, NULL);
  g_assert_cmpint (hg_vm_spec_get_boot_mode (spec), ==, HG_BOOT_CDROM);
  hg_vm_spec_detect_os_async (spec, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  os = hg_vm_spec_detect_os_finish (spec, result, &error);
  g_assert_no_error (error);
  g_object_get (spec, "os-id", &os_id, "os-detected", &detected, NULL);
  g_assert_cmpstr (os_id, ==, "debian11");
  g_assert_true (detected);
  {
    guint host_mib;
    g_object_get (spec, "host-memory-mib", &host_mib, NULL);
    g_assert_cmpuint (hg_vm_spec_get_memory_mib (spec), ==, MIN (1024, MAX (host_mib / 2, 64)));
  }
  g_assert_cmpuint (hg_vm_spec_get_disk_size (spec), ==, G_GUINT64_CONSTANT (20) << 30);

  /* another ISO: "detected" no longer holds */
  g_object_set (spec, "iso-path", "/nonexistent.iso", NULL);
  g_object_get (spec, "os-detected", &detected, NULL);
  g_assert_false (detected);
  hg_test_remove_tree (dir);
}

/* ---- defaults and bad input -------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_spec_defaults (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(HgVmSpec) spec = new_spec (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  g_autofree char *expected = g_build_filename (dir, "lab", "web", NULL);
  g_auto(GStrv) argv = NULL;
  g_autofree char *joined = NULL;
  const char *mac = hg_vm_spec_get_mac (spec);
  guint label_notes = 0, target_notes = 0;
  HgNetMode net;
  HgConsole console;
  gboolean new_disk;
  guint first;

  /* --auto-all */
  g_assert_cmpuint (hg_vm_spec_get_memory_mib (spec), ==, 1024);
  g_assert_cmpuint (hg_vm_spec_get_disk_size (spec), ==, G_GUINT64_CONSTANT (8) << 30);
  g_assert_cmpstr (hg_vm_spec_get_arch (spec), ==, caps->host_arch);
  g_assert_cmpint (hg_vm_spec_get_source (spec), ==, HG_INSTALL_SOURCE_NONE);
  g_object_get (spec, "net-mode", &net, "console", &console, "new-disk", &new_disk, NULL);
  g_assert_cmpint (net, ==, HG_NET_USER);
  g_assert_cmpint (console, ==, HG_CONSOLE_VNC);
  g_assert_true (new_disk);
  /* a locally administered unicast MAC */
  g_assert_true (hg_mac_is_valid (mac));
  first = (guint) g_ascii_strtoull (mac, NULL, 16);
  g_assert_cmpuint (first & 1, ==, 0);
  g_assert_cmpuint (first & 2, ==, 2);

  /* notify-able, only on a change; target-dir follows */
  g_signal_connect (spec, "notify::label", G_CALLBACK (count_notify), &label_notes);
  g_signal_connect (spec, "notify::target-dir", G_CALLBACK (count_notify), &target_notes);
  g_object_set (spec, "label", "web", "folder", "lab", NULL);
  g_object_set (spec, "label", "web", NULL);
  g_assert_cmpuint (label_notes, ==, 1);
  g_assert_cmpuint (target_notes, ==, 1);   /* one g_object_set: coalesced */
  g_object_get (spec, "target-dir", &target, NULL);
  g_assert_cmpstr (target, ==, expected);

  /* kernel boot: 512 MiB unless chosen */
  g_object_set (spec, "source", HG_INSTALL_SOURCE_KERNEL, NULL);
  g_assert_cmpuint (hg_vm_spec_get_memory_mib (spec), ==, 512);
  g_assert_cmpint (hg_vm_spec_get_boot_mode (spec), ==, HG_BOOT_KERNEL);
  g_object_set (spec, "source", HG_INSTALL_SOURCE_PXE, "memory-mib", 300, NULL);
  g_object_set (spec, "source", HG_INSTALL_SOURCE_NONE, NULL);
  g_assert_cmpuint (hg_vm_spec_get_memory_mib (spec), ==, 300);

  /* everything valid; the summary's command line */
  g_object_set (spec, "accel", HG_ACCEL_TCG, NULL);
  hg_vm_spec_validate (spec, &error);
  g_assert_no_error (error);
  argv = hg_vm_spec_get_argv (spec, HG_BOOT_DISK, &error);
  g_assert_no_error (error);
  joined = g_strjoinv (" ", argv);
  g_assert_nonnull (strstr (joined, "qemu-system-"));
  g_assert_nonnull (strstr (joined, " -m 300"));
  g_assert_nonnull (strstr (joined, "web.qcow2"));
  g_assert_nonnull (strstr (joined, mac));
  /* nothing was written by validation */
  {
    g_autofree char *tree = tree_snapshot (dir);
    g_assert_cmpstr (tree, ==, "");
  }
  hg_test_remove_tree (dir);
}

static void
test_spec_bad_input (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autofree char *text = g_build_filename (dir, "readme.iso", NULL);
  g_autofree char *iso = NULL;
  g_autoptr(HgVmSpec) first = new_spec (base);
  g_autoptr(HgVmSpec) spec = NULL;
  g_autoptr(HgVmConfig) made = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *missing_arch = NULL;
  char used_mac[18];
  guint host_mib;

  /* a VM in the library: its label and MAC are taken */
  g_object_set (first, "label", "taken", "new-disk", FALSE, "accel", HG_ACCEL_TCG, NULL);
  g_strlcpy (used_mac, hg_vm_spec_get_mac (first), sizeof used_mac);
  made = create_sync (first, NULL, &error);
  g_assert_no_error (error);
  before = tree_snapshot (base);

  spec = new_spec (base);
  g_object_set (spec, "accel", HG_ACCEL_TCG, "new-disk", FALSE, NULL);
  g_assert_cmpstr (hg_vm_spec_get_mac (spec), !=, used_mac);

  /* name */
  assert_page_error (spec, HG_VM_SPEC_PAGE_NAME, HG_VM_SPEC_ERROR_LABEL, "Label");
  g_object_set (spec, "label", "a/b", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NAME, HG_VM_SPEC_ERROR_LABEL, "Label");
  g_object_set (spec, "label", "taken", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NAME, HG_VM_SPEC_ERROR_LABEL, "exists already");
  g_object_set (spec, "label", "fresh", "folder", "../up", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NAME, HG_VM_SPEC_ERROR_LOCATION, "..");
  g_object_set (spec, "folder", "lab/new", NULL);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_NAME);

  /* ISO: missing, not an ISO, a folder */
  g_object_set (spec, "source", HG_INSTALL_SOURCE_ISO, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_ISO, "ISO image");
  g_object_set (spec, "iso-path", "/nonexistent/debian.iso", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_ISO, "/nonexistent/debian.iso");
  hg_test_write_file (text, "not a CD\n");
  g_object_set (spec, "iso-path", text, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_ISO, "CD001");
  g_object_set (spec, "iso-path", dir, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_ISO, dir);
  if (hg_test_iso_missing_tools () == NULL)
    {
      iso = hg_test_iso_make (dir, "ok.iso", "SOMETHING", NULL, &error);
      g_assert_no_error (error);
      g_object_set (spec, "iso-path", iso, NULL);
      assert_page_ok (spec, HG_VM_SPEC_PAGE_SOURCE);
    }
  else
    hg_test_skip_or_fail_printf ("%s: a good ISO not checked", hg_test_iso_missing_tools ());
  g_object_set (spec, "source", HG_INSTALL_SOURCE_KERNEL, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_KERNEL, "Kernel");
  g_object_set (spec, "kernel-path", "/nonexistent/vmlinuz", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_KERNEL, "/nonexistent/vmlinuz");
  g_object_set (spec, "source", HG_INSTALL_SOURCE_EXISTING_DISK, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_IMAGE, "Disk image");
  g_object_set (spec, "image-path", text, "source", HG_INSTALL_SOURCE_NONE, NULL);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_SOURCE);
  g_object_set (spec, "image-path", NULL, NULL);

  /* architecture: only installed emulators; KVM only where it works */
  for (const char * const *a = hg_host_known_arches (); *a != NULL && missing_arch == NULL; a++)
    if (hg_host_caps_get_emulator (caps, *a) == NULL)
      missing_arch = *a;
  if (missing_arch != NULL)
    {
      g_object_set (spec, "arch", missing_arch, NULL);
      assert_page_error (spec, HG_VM_SPEC_PAGE_ARCH, HG_VM_SPEC_ERROR_ARCH, "not installed");
    }
  g_object_set (spec, "arch", "z80", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_ARCH, HG_VM_SPEC_ERROR_ARCH, "z80");
  g_object_set (spec, "arch", caps->host_arch, "accel", HG_ACCEL_KVM, NULL);
  if (!hg_host_caps_kvm_usable_for (caps, caps->host_arch))
    assert_page_error (spec, HG_VM_SPEC_PAGE_ARCH, HG_VM_SPEC_ERROR_ACCEL, "KVM");
  g_object_set (spec, "accel", HG_ACCEL_TCG, NULL);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_ARCH);

  /* memory beyond the host */
  g_object_get (spec, "host-memory-mib", &host_mib, NULL);
  g_object_set (spec, "memory-mib", host_mib + 1, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_MEMORY, HG_VM_SPEC_ERROR_MEMORY, "more than this host");
  g_object_set (spec, "memory-mib", 0, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_MEMORY, HG_VM_SPEC_ERROR_MEMORY, "Memory");
  g_object_set (spec, "memory-mib", host_mib, NULL);
  {
    g_autofree char *warning = hg_vm_spec_get_warning (spec, HG_VM_SPEC_PAGE_MEMORY);
    g_assert_nonnull (warning);
  }
  g_object_set (spec, "memory-mib", 256, NULL);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_MEMORY);

  /* disk size 0, or beyond the free space */
  g_object_set (spec, "new-disk", TRUE, "disk-size", G_GUINT64_CONSTANT (0), NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_DISK, HG_VM_SPEC_ERROR_DISK_SIZE, "0");
  g_object_set (spec, "disk-size", G_GUINT64_CONSTANT (60) << 40, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_DISK, HG_VM_SPEC_ERROR_DISK_SIZE, "free space");
  g_object_set (spec, "disk-size", G_GUINT64_CONSTANT (64) << 20, "disk-bus", "floppy", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_DISK, HG_VM_SPEC_ERROR_DISK_BUS, "floppy");
  g_object_set (spec, "disk-bus", NULL, NULL);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_DISK);

  /* MAC: malformed, multicast, used in the library */
  g_object_set (spec, "mac", "52:54:00:zz:00:01", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_MAC, "52:54:00:zz:00:01");
  g_object_set (spec, "mac", "01:00:5e:00:00:01", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_MAC, "multicast");
  g_object_set (spec, "mac", used_mac, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_MAC, "taken.hangar");
  g_object_set (spec, "mac", NULL, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_MAC, "MAC");
  g_assert_true (hg_mac_is_valid (hg_vm_spec_generate_mac (spec)));
  g_assert_cmpstr (hg_vm_spec_get_mac (spec), !=, used_mac);
  assert_page_ok (spec, HG_VM_SPEC_PAGE_NETWORK);

  /* port forwards */
  g_assert_false (hg_vm_spec_add_port_forward (spec, "70000:22", &error));
  g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD);
  g_clear_error (&error);
  g_assert_false (hg_vm_spec_add_port_forward (spec, "sctp:2222:22", &error));
  g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD);
  g_clear_error (&error);
  g_assert_true (hg_vm_spec_add_port_forward (spec, "2222:22", &error));
  g_assert_no_error (error);
  g_assert_false (hg_vm_spec_add_port_forward (spec, "tcp:2222:80", &error));
  g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD);
  g_clear_error (&error);
  {
    const char *set[] = { "8080:80", "8080:81", NULL };
    g_object_set (spec, "port-forwards", set, NULL);
    assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_FORWARD, "8080");
    hg_vm_spec_clear_port_forwards (spec);
  }
  /* an address is taken only when given, in Hangar's or QEMU's spelling;
   * anything else in its place is refused, naming it */
  {
    g_auto(GStrv) fwds = NULL;
    g_autofree char *warning = NULL;

    g_assert_true (hg_vm_spec_add_port_forward (spec, "tcp:0.0.0.0:2223-:22", &error));
    g_assert_no_error (error);
    g_assert_true (hg_vm_spec_add_port_forward (spec, "udp:5353:53", &error));
    g_assert_no_error (error);
    g_object_get (spec, "port-forwards", &fwds, NULL);
    g_assert_cmpstr (fwds[0], ==, "tcp:0.0.0.0:2223:22");
    g_assert_cmpstr (fwds[1], ==, "udp:5353:53");
    assert_page_ok (spec, HG_VM_SPEC_PAGE_NETWORK);
    warning = hg_vm_spec_get_warning (spec, HG_VM_SPEC_PAGE_NETWORK);
    g_assert_nonnull (warning);
    g_assert_nonnull (strstr (warning, "0.0.0.0"));
    g_assert_false (hg_vm_spec_add_port_forward (spec, "tcp:localhost:2224:22", &error));
    g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD);
    g_assert_nonnull (strstr (error->message, "localhost"));
    g_clear_error (&error);
    g_assert_false (hg_vm_spec_add_port_forward (spec, "tcp:0.0.0.0,x:2224:22", &error));
    g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD);
    g_clear_error (&error);
    hg_vm_spec_clear_port_forwards (spec);
  }
  g_object_set (spec, "net-mode", HG_NET_VDE, "switch-name", "../evil", NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_SWITCH, "Switch");
  g_object_set (spec, "net-mode", HG_NET_NONE, "source", HG_INSTALL_SOURCE_PXE, NULL);
  assert_page_error (spec, HG_VM_SPEC_PAGE_NETWORK, HG_VM_SPEC_ERROR_NETWORK, "PXE");
  g_object_set (spec, "net-mode", HG_NET_USER, "source", HG_INSTALL_SOURCE_NONE, NULL);

  /* fixed: everything passes, and nothing was ever written */
  hg_vm_spec_validate (spec, &error);
  g_assert_no_error (error);
  after = tree_snapshot (base);
  g_assert_cmpstr (after, ==, before);
  hg_test_remove_tree (dir);
}

/* ---- untrusted images --------------------------------------------------------------- */

static void
test_hostile_backing (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *src = g_build_filename (dir, "src", NULL);
  g_autofree char *elsewhere = g_build_filename (dir, "elsewhere", NULL);
  g_autofree char *outside_base = g_build_filename (elsewhere, "base.qcow2", NULL);
  g_autofree char *inside_base = g_build_filename (src, "base.qcow2", NULL);
  g_autofree char *good = g_build_filename (src, "good.qcow2", NULL);
  g_autofree char *link = g_build_filename (src, "link.qcow2", NULL);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgDiskImageInfo) info = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *nbd = NULL;
  guint16 port;
  struct {
    const char *name;
    const char *backing;
    const char *backing_fmt;
    int         code;
    const char *needle;
  } cases[] = {
    { "abs.qcow2", outside_base, "qcow2", HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE, "outside" },
    { "rel.qcow2", "../elsewhere/base.qcow2", "qcow2", HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE, "outside" },
    { "passwd.qcow2", "/etc/passwd", "raw", HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE, "/etc/passwd" },
    { "nbd.qcow2", NULL, "raw", HG_DISK_IMAGE_ERROR_BACKING_NETWORK, "nbd:" },
    { "http.qcow2", "http://example.invalid/disk.img", "raw", HG_DISK_IMAGE_ERROR_BACKING_NETWORK, "http:" },
    { "json.qcow2", "json:{\"file.driver\":\"file\",\"file.filename\":\"/etc/shadow\"}", "raw",
      HG_DISK_IMAGE_ERROR_BACKING_NETWORK, "json:" },
    { "link-overlay.qcow2", "link.qcow2", "qcow2", HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE, "outside" },
    { "gone.qcow2", "missing.qcow2", "qcow2", HG_DISK_IMAGE_ERROR_BACKING_MISSING, "missing.qcow2" },
  };

  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  /* an NBD "server" that must never be contacted */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, addr, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (listener, FALSE);
  bound = g_socket_get_local_address (listener, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  nbd = g_strdup_printf ("nbd:127.0.0.1:%u", port);
  cases[3].backing = nbd;

  g_mkdir_with_parents (src, 0755);
  g_mkdir_with_parents (elsewhere, 0755);
  img ("create", "-q", "-f", "qcow2", outside_base, "16M", NULL);
  img ("create", "-q", "-f", "qcow2", inside_base, "16M", NULL);
  g_assert_cmpint (symlink (outside_base, link), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (src, cases[i].name, NULL);
      g_autoptr(HgDiskImageInfo) bad = NULL;

      /* -u: written without opening the backing file */
      img ("create", "-q", "-f", "qcow2", "-u", "-b", cases[i].backing, "-F", cases[i].backing_fmt,
           path, "16M", NULL);
      bad = hg_disk_image_inspect (path, NULL, NULL, &error);
      g_assert_null (bad);
      if (!g_error_matches (error, HG_DISK_IMAGE_ERROR, cases[i].code) ||
          strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %s: %s", cases[i].name, error->message);
      g_clear_error (&error);
    }
  /* nobody knocked at the NBD port */
  {
    g_autoptr(GSocket) peer = g_socket_accept (listener, NULL, &error);
    g_assert_null (peer);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    g_clear_error (&error);
  }

  /* a backing file inside the folder is fine: a chain of two */
  img ("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", good, NULL);
  info = hg_disk_image_inspect (good, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->layers->len, ==, 2);
  g_assert_cmpstr (((HgDiskImageLayer *) info->layers->pdata[0])->format, ==, "qcow2");
  g_assert_cmpstr (((HgDiskImageLayer *) info->layers->pdata[1])->filename, ==, inside_base);

  /* the spec: refused with the reason; copy of an overlay refused; convert flattens */
  {
    g_autofree char *base = g_build_filename (dir, "vms", NULL);
    g_autoptr(HgVmSpec) spec = new_spec (base);
    g_autofree char *abs = g_build_filename (src, "abs.qcow2", NULL);
    g_autoptr(HgVmConfig) config = NULL;
    g_autofree char *made = NULL;
    g_autoptr(HgDiskImageInfo) flat = NULL;

    g_object_set (spec, "label", "imported", "accel", HG_ACCEL_TCG,
                  "source", HG_INSTALL_SOURCE_EXISTING_DISK, "image-path", abs, NULL);
    assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_IMAGE, "outside");
    g_object_set (spec, "image-path", good, "image-mode", HG_IMAGE_MODE_COPY, NULL);
    assert_page_error (spec, HG_VM_SPEC_PAGE_SOURCE, HG_VM_SPEC_ERROR_IMAGE, "convert");
    g_object_set (spec, "image-mode", HG_IMAGE_MODE_CONVERT, NULL);
    config = create_sync (spec, NULL, &error);
    g_assert_no_error (error);
    made = g_build_filename (base, "imported", "imported.qcow2", NULL);
    flat = hg_disk_image_inspect (made, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (flat->layers->len, ==, 1);
    g_assert_cmpstr (((HgDiskImageLayer *) config->disks->pdata[0])->format, ==, "qcow2");
  }
  hg_test_remove_tree (dir);
}

/* ---- atomic creation, progress, cancel ------------------------------------------------ */

typedef struct {
  GArray       *fractions;
  GCancellable *cancel_on;     /* cancelled at the first progress of... */
  const char   *cancel_prefix; /* ...a step whose text starts so */
  gboolean      cancelled;
} ProgressLog;

static void
log_progress (HgVmSpec   *spec,
              double      fraction,
              const char *what,
              gpointer    user_data)
{
  ProgressLog *log = user_data;

  g_assert_true (hg_vm_spec_get_busy (spec));
  g_array_append_val (log->fractions, fraction);
  if (log->cancel_on != NULL && !log->cancelled && what != NULL &&
      g_str_has_prefix (what, log->cancel_prefix))
    {
      log->cancelled = TRUE;
      g_cancellable_cancel (log->cancel_on);
    }
}

static HgVmConfig *
create_logged (HgVmSpec     *spec,
               ProgressLog  *log,
               GCancellable *cancellable,
               GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_vm_spec_create_async (spec, log_progress, log, NULL, cancellable, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 120000));
  return hg_vm_spec_create_finish (spec, result, error);
}

static void
test_create_atomic (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autofree char *raw = g_build_filename (dir, "big.raw", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  /* a raw image with data spread over it, so convert has work to do */
  {
    g_autoptr(GFile) file = g_file_new_for_path (raw);
    g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_autofree guint8 *block = g_malloc (1 << 20);

    g_assert_no_error (error);
    for (guint i = 0; i < (1 << 20); i++)
      block[i] = (guint8) (i * 7 + 1);
    for (guint i = 0; i < 64; i++)
      {
        g_output_stream_write_all (G_OUTPUT_STREAM (out), block, 1 << 20, NULL, NULL, &error);
        g_assert_no_error (error);
      }
    g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
    g_assert_no_error (error);
  }

  /* a new qcow2: in place at once, nothing temporary left */
  {
    g_autoptr(HgVmSpec) spec = new_spec (base);
    g_autoptr(HgVmConfig) config = NULL;
    g_autoptr(HgVmConfig) loaded = NULL;
    g_autofree char *tree = NULL;
    ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), NULL, NULL, FALSE };

    g_object_set (spec, "label", "fresh", "folder", "lab", "disk-size",
                  G_GUINT64_CONSTANT (64) << 20, "accel", HG_ACCEL_TCG, NULL);
    config = create_logged (spec, &log, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (hg_vm_spec_get_busy (spec));
    tree = tree_snapshot (base);
    g_assert_cmpstr (tree, ==, "lab\nlab/fresh\nlab/fresh/fresh.hangar\nlab/fresh/fresh.qcow2\n");
    loaded = hg_vm_config_load (config->path, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (((HgNic *) loaded->nics->pdata[0])->mac, ==, hg_vm_spec_get_mac (spec));
    g_assert_cmpstr (((HgDisk *) loaded->disks->pdata[0])->format, ==, "qcow2");
    g_assert_cmpfloat (g_array_index (log.fractions, double, log.fractions->len - 1), ==, 1.0);
    g_array_unref (log.fractions);

    /* a second create of the same spec: the label is taken now */
    g_clear_pointer (&config, hg_vm_config_unref);
    config = create_sync (spec, NULL, &error);
    g_assert_null (config);
    g_assert_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_LABEL);
    g_clear_error (&error);
  }
  before = tree_snapshot (dir);

  /* convert with progress: several steps, monotonic, ending at 1 */
  {
    g_autoptr(HgVmSpec) spec = new_spec (base);
    g_autoptr(HgVmConfig) config = NULL;
    g_autoptr(HgDiskImageInfo) info = NULL;
    g_autofree char *made = g_build_filename (base, "conv", "conv.qcow2", NULL);
    ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), NULL, NULL, FALSE };
    double last = 0;

    g_object_set (spec, "label", "conv", "accel", HG_ACCEL_TCG, "source",
                  HG_INSTALL_SOURCE_EXISTING_DISK, "image-path", raw, "image-mode",
                  HG_IMAGE_MODE_CONVERT, NULL);
    config = create_logged (spec, &log, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (log.fractions->len, >=, 3);
    for (guint i = 0; i < log.fractions->len; i++)
      {
        double f = g_array_index (log.fractions, double, i);
        g_assert_cmpfloat (f, >=, last);
        last = f;
      }
    g_assert_cmpfloat (last, ==, 1.0);
    info = hg_disk_image_inspect (made, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (((HgDiskImageLayer *) info->layers->pdata[0])->format, ==, "qcow2");
    g_assert_cmpuint (((HgDiskImageLayer *) info->layers->pdata[0])->virtual_size, ==, 64 << 20);
    g_array_unref (log.fractions);
    {
      g_autofree char *vm_dir = g_path_get_dirname (made);
      hg_test_remove_tree (vm_dir);
    }
  }

  /* cancel during convert, during copy, and before anything started: the
   * tree is as before, including the folders made for the VM */
  {
    const struct { HgImageMode mode; const char *prefix; } runs[] = {
      { HG_IMAGE_MODE_CONVERT, "Converting" },
      { HG_IMAGE_MODE_COPY, "Copying" },
      { HG_IMAGE_MODE_COPY, NULL },         /* cancelled before Finish */
    };

    for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
      {
        g_autoptr(HgVmSpec) spec = new_spec (base);
        g_autoptr(GCancellable) cancellable = g_cancellable_new ();
        g_autoptr(HgVmConfig) config = NULL;
        ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), cancellable,
                            runs[i].prefix, FALSE };

        if (runs[i].prefix == NULL)
          {
            g_cancellable_cancel (cancellable);
            log.cancelled = TRUE;
          }

        g_object_set (spec, "label", "gone", "folder", "new/deep", "accel", HG_ACCEL_TCG,
                      "source", HG_INSTALL_SOURCE_EXISTING_DISK, "image-path", raw,
                      "image-mode", runs[i].mode, NULL);
        config = create_logged (spec, &log, cancellable, &error);
        g_assert_null (config);
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_clear_error (&error);
        g_assert_true (log.cancelled);
        g_assert_false (hg_vm_spec_get_busy (spec));
        after = tree_snapshot (dir);
        g_assert_cmpstr (after, ==, before);
        g_clear_pointer (&after, g_free);
        g_array_unref (log.fractions);
      }
  }

  /* a failure half-way: a qcow2 whose header reads fine but whose L1
   * table points nowhere, so qemu-img convert fails while converting */
  {
    g_autoptr(HgVmSpec) spec = new_spec (base);
    g_autoptr(HgVmConfig) config = NULL;
    g_autofree char *victim = g_build_filename (dir, "victim.qcow2", NULL);
    g_autofree char *data = NULL;
    gsize length;
    guint64 l1 = 0;
    ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), NULL, NULL, FALSE };

    img ("convert", "-q", "-f", "raw", "-O", "qcow2", raw, victim, NULL);
    g_file_get_contents (victim, &data, &length, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < 8; i++)
      l1 = l1 << 8 | (guint8) data[40 + i];
    g_assert_cmpuint (l1 + 16, <, length);
    for (guint e = 0; e < 2; e++)
      {
        /* an unaligned L2 offset, flagged copied */
        const guint8 bad[8] = { 0x80, 0, 0, 0, 0, 0, 0x12, 0x34 };
        memcpy (data + l1 + e * 8, bad, 8);
      }
    g_file_set_contents (victim, data, (gssize) length, &error);
    g_assert_no_error (error);
    g_free (before);
    before = tree_snapshot (dir);
    g_object_set (spec, "label", "broken", "folder", "x/y", "accel", HG_ACCEL_TCG,
                  "source", HG_INSTALL_SOURCE_EXISTING_DISK, "image-path", victim,
                  "image-mode", HG_IMAGE_MODE_CONVERT, NULL);
    config = create_logged (spec, &log, NULL, &error);
    g_assert_null (config);
    g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "qemu-img"));
    g_clear_error (&error);
    g_assert_cmpuint (log.fractions->len, >=, 1);   /* it had started */
    g_array_unref (log.fractions);
    after = tree_snapshot (dir);
    g_assert_cmpstr (after, ==, before);
  }
  hg_test_remove_tree (dir);
}

/* ---- hangarctl create ----------------------------------------------------------------- */

static int
ctl (char       **out,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, ctl_path);
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  return hg_test_run ((const char * const *) argv->pdata, out, err, 120000);
}

static JsonObject *
info_json (const char  *base,
           const char  *label,
           JsonParser **parser)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", label, NULL), ==, 0);
  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, out, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (*parser));
}

static void
test_cli_create (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autofree char *raw = g_build_filename (dir, "disk.raw", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  if (ctl_path == NULL || qemu_img == NULL || hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail ("hangarctl is not built, or qemu-img or the ISO tools are not installed");
      return;
    }
  /* --iso detects the OS: its memory, its disk bus and NIC */
  iso = hg_test_iso_make (dir, "debian.iso", HG_TEST_ISO_DEBIAN11_AMD64,
                          HG_TEST_ISO_DEBIAN11_DISK_INFO, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "deb", "--iso", iso,
                        "--disk-size", "64M", "--accel", "tcg", "--forward", "2222:22",
                        "--forward", "udp:5353:53", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Debian 11"));
  o = info_json (base, "deb", &parser);
  g_assert_cmpint (json_object_get_int_member (o, "memory-mib"), ==, 1024);
  {
    g_autofree char *config = g_build_filename (base, "deb", "deb.hangar", NULL);
    g_autoptr(HgVmConfig) c = hg_vm_config_load (config, &error);
    HgNic *nic;

    g_assert_no_error (error);
    g_assert_cmpstr (c->os_id, ==, "debian11");
    g_assert_cmpint (c->boot_mode, ==, HG_BOOT_CDROM);
    g_assert_cmpstr (((HgDisk *) c->disks->pdata[0])->interface, ==, "virtio");
    nic = c->nics->pdata[0];
    g_assert_cmpstr (nic->model, ==, "virtio-net-pci");
    g_assert_cmpuint (nic->hostfwd->len, ==, 2);
    g_assert_cmpuint (((HgHostFwd *) nic->hostfwd->pdata[0])->host_port, ==, 2222);
    g_assert_cmpstr (((HgHostFwd *) nic->hostfwd->pdata[1])->proto, ==, "udp");
  }
  g_clear_object (&parser);

  /* --disk-image, converted */
  img ("create", "-q", "-f", "raw", raw, "32M", NULL);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "conv", "--disk-image",
                        raw, "--image-mode", "convert", "--accel", "tcg", NULL), ==, 0);
  {
    g_autofree char *config = g_build_filename (base, "conv", "conv.hangar", NULL);
    g_autoptr(HgVmConfig) c = hg_vm_config_load (config, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (((HgDisk *) c->disks->pdata[0])->path, ==, "conv.qcow2");
    g_assert_cmpstr (((HgDisk *) c->disks->pdata[0])->format, ==, "qcow2");
  }

  /* refusals leave nothing */
  before = tree_snapshot (dir);
  {
    g_autofree char *text = g_build_filename (dir, "x.iso", NULL);
    g_autofree char *overlay = g_build_filename (dir, "overlay.qcow2", NULL);

    hg_test_write_file (text, "plain text");
    g_free (before);
    img ("create", "-q", "-f", "qcow2", "-u", "-b", "/etc/passwd", "-F", "raw", overlay, "16M", NULL);
    before = tree_snapshot (dir);
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--iso", text, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--iso"));
    g_assert_nonnull (strstr (err, "CD001"));
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--forward",
                          "99999:22", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--forward"));
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--net", "vde",
                          "--forward", "2222:22", NULL), ==, 2);
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--disk-image",
                          overlay, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "outside"));
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--disk-image",
                          raw, "--image-mode", "move", NULL), ==, 2);
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--memory",
                          "1000000", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "--memory"));
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--disk-size",
                          "60T", NULL), ==, 2);
    g_assert_nonnull (strstr (err, "free space"));
    g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "a", "--mac",
                          "03:00:00:00:00:01", NULL), ==, 2);
    after = tree_snapshot (dir);
    g_assert_cmpstr (after, ==, before);
    g_clear_pointer (&after, g_free);
  }
  hg_test_remove_tree (dir);
}

/* Ctrl-C during a long copy: hangarctl cancels and leaves nothing */
typedef struct {
  char     *parent;
  gboolean  seen;
} TmpWatch;

static void
base_changed (GFileMonitor      *monitor,
              GFile             *file,
              GFile             *other,
              GFileMonitorEvent  event,
              gpointer           user_data)
{
  TmpWatch *w = user_data;
  g_autofree char *name = g_file_get_basename (file);

  if (g_str_has_prefix (name, ".slow.tmp-"))
    w->seen = TRUE;
}

static gboolean
tmp_dir_appeared (gpointer data)
{
  TmpWatch *w = data;
  g_autoptr(GDir) dir = g_dir_open (w->parent, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, ".slow.tmp-"))
      w->seen = TRUE;
  return w->seen;
}

static void
child_exited (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_cli_interrupt (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autofree char *sparse = g_build_filename (dir, "huge.raw", NULL);
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  TmpWatch watch = { NULL, FALSE };
  g_autoptr(GFileMonitor) monitor = NULL;
  gboolean exited = FALSE;

  if (ctl_path == NULL || qemu_img == NULL)
    {
      hg_test_skip_or_fail ("hangarctl is not built or qemu-img is not installed");
      return;
    }
  /* 32 GiB of holes: reading it takes long enough to be interrupted */
  img ("create", "-q", "-f", "raw", sparse, "32G", NULL);
  g_mkdir_with_parents (base, 0755);
  watch.parent = base;
  {
    g_autoptr(GFile) file = g_file_new_for_path (base);
    monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, NULL, &error);
    g_assert_no_error (error);
    g_signal_connect (monitor, "changed", G_CALLBACK (base_changed), &watch);
  }
  before = tree_snapshot (dir);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, ctl_path, "--base", base, "create", "--label", "slow",
                           "--disk-image", sparse, "--image-mode", "copy", "--accel", "tcg", NULL);
  g_assert_no_error (error);
  g_assert_true (hg_test_wait_until (tmp_dir_appeared, &watch, 60000));
  g_subprocess_send_signal (proc, SIGINT);
  g_subprocess_wait_async (proc, NULL, child_exited, &exited);
  g_assert_true (hg_test_wait_until (is_true, &exited, 60000));
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  {
    g_autoptr(GBytes) bytes = g_input_stream_read_bytes (g_subprocess_get_stderr_pipe (proc),
                                                         4096, NULL, &error);
    g_assert_no_error (error);
    err = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
  g_assert_nonnull (strstr (err, "cancelled"));
  after = tree_snapshot (dir);
  g_assert_cmpstr (after, ==, before);
  hg_test_remove_tree (dir);
}

/* ---- sizes and ISO check ---------------------------------------------------------------- */

/* ---- private modes ------------------------------------------------------------ */

#define OTHER_USER "hangar-test-other"

/* Another local user, made for the test (root only); its uid or 0 */
static uid_t
other_user (void)
{
  struct passwd *pw;

  if (geteuid () != 0)
    return 0;
  if (getpwnam (OTHER_USER) == NULL)
    {
      /* Debian's passwd package; /usr/sbin is not on every root's PATH */
      const char *argv[] = { g_file_test ("/usr/sbin/useradd", G_FILE_TEST_IS_EXECUTABLE)
                               ? "/usr/sbin/useradd" : "useradd",
                             "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                             OTHER_USER, NULL };
      g_autofree char *out = NULL, *err = NULL;

      if (hg_test_run (argv, &out, &err, 30000) != 0)
        g_error ("useradd %s failed: %s", OTHER_USER, err);
    }
  pw = getpwnam (OTHER_USER);
  g_assert_nonnull (pw);
  return pw->pw_uid;
}

static void
become_other (gpointer data)
{
  uid_t uid = GPOINTER_TO_UINT (data);

  if (setgroups (0, NULL) != 0 || setgid (uid) != 0 || setuid (uid) != 0)
    _exit (99);
}

/* Whether `argv` succeeds when run as uid */
static gboolean
runs_as (uid_t               uid,
         const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL,
                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                become_other, GUINT_TO_POINTER (uid), NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), !=, 99);
  return WEXITSTATUS (status) == 0;
}

/* The VM directory is 0700, every file in it but the config 0600, and
 * another local user can neither enter the one nor read the others. */
static void
assert_private_vm (const char *base,
                   const char *label,
                   uid_t       other)
{
  g_autofree char *vm_dir = g_build_filename (base, label, NULL);
  g_autoptr(GDir) dir = g_dir_open (vm_dir, 0, NULL);
  const char *name;
  GStatBuf st;
  guint files = 0;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_lstat (vm_dir, &st), ==, 0);
  if ((st.st_mode & 07777) != 0700)
    g_error ("%s: mode %o, expected 0700", vm_dir, st.st_mode & 07777);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (vm_dir, name, NULL);

      if (g_str_has_suffix (name, ".hangar"))
        continue;
      g_assert_cmpint (g_lstat (path, &st), ==, 0);
      g_assert_true (S_ISREG (st.st_mode));
      if ((st.st_mode & 07777) != 0600)
        g_error ("%s: mode %o, expected 0600", path, st.st_mode & 07777);
      files++;
      if (other != 0)
        {
          /* with the directory opened up, the file alone still keeps it out */
          const char *cat[] = { "/bin/cat", path, NULL };

          g_assert_cmpint (g_chmod (vm_dir, 0755), ==, 0);
          g_assert_false (runs_as (other, cat));
          g_assert_cmpint (g_chmod (vm_dir, 0700), ==, 0);
          g_assert_false (runs_as (other, cat));
        }
    }
  g_assert_cmpuint (files, >, 0);
  if (other != 0)
    {
      const char *ls[] = { "/bin/ls", vm_dir, NULL };
      g_autofree char *config = g_strconcat (vm_dir, "/", label, ".hangar", NULL);
      const char *cat[] = { "/bin/cat", config, NULL };

      g_assert_false (runs_as (other, ls));
      g_assert_false (runs_as (other, cat));
    }
}

static void
test_private_modes (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *base = g_build_filename (dir, "vms", NULL);
  g_autofree char *src = g_build_filename (dir, "src", NULL);
  g_autofree char *raw = g_build_filename (src, "shared.raw", NULL);
  g_autofree char *kernel = g_build_filename (src, "vmlinuz", NULL);
  g_autofree char *ctys = g_test_build_filename (G_TEST_DIST, "data", "ctys", "tst323.ctys", NULL);
  g_autofree char *out = NULL, *err = NULL;
  uid_t other;

  if (ctl_path == NULL || qemu_img == NULL)
    {
      hg_test_skip_or_fail ("hangarctl is not built, or qemu-img is not installed");
      return;
    }
  other = other_user ();
  /* sources readable by everyone, as downloads are */
  g_assert_cmpint (g_mkdir_with_parents (src, 0755), ==, 0);
  img ("create", "-q", "-f", "raw", raw, "16M", NULL);
  hg_test_write_file (kernel, "not really a kernel");
  g_assert_cmpint (g_chmod (raw, 0644), ==, 0);
  g_assert_cmpint (g_chmod (kernel, 0644), ==, 0);

  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "fresh", "--disk-size",
                        "16M", "--accel", "tcg", NULL), ==, 0);
  assert_private_vm (base, "fresh", other);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "copied", "--disk-image",
                        raw, "--image-mode", "copy", "--accel", "tcg", NULL), ==, 0);
  assert_private_vm (base, "copied", other);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "conv", "--disk-image",
                        raw, "--image-mode", "convert", "--accel", "tcg", NULL), ==, 0);
  assert_private_vm (base, "conv", other);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "create", "--label", "kern", "--kernel",
                        kernel, "--copy-in", "--accel", "tcg", NULL), ==, 0);
  assert_private_vm (base, "kern", other);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "import-ctys", ctys, NULL), ==, 0);
  {
    g_autofree char *vm_dir = g_build_filename (base, "tst323", NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (vm_dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  }
  /* the sources are as they were */
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (raw, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  }
  hg_test_remove_tree (dir);
}

/* A copy reads the file it was given, never what a symlink in its place
 * points to, and never a FIFO or device; what it writes is 0600. */
static void
test_copy_no_follow (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *secret = g_build_filename (dir, "secret", NULL);
  g_autofree char *link = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.img", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.img", NULL);
  const char *sources[] = { link, fifo, plain };

  hg_test_write_file (secret, "private");
  g_assert_cmpint (symlink (secret, link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  hg_test_write_file (plain, "data");
  g_assert_cmpint (g_chmod (plain, 0644), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *dest = g_strdup_printf ("%s/copy-%u", dir, i);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      hg_disk_image_copy_async (sources[i], dest, NULL, NULL, NULL, hg_test_store_result, &result);
      g_assert_true (hg_test_wait_result (&result, 10000));
      ok = hg_disk_image_copy_finish (result, &error);
      if (sources[i] == plain)
        {
          GStatBuf st;

          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (g_stat (dest, &st), ==, 0);
          g_assert_cmpint (st.st_mode & 07777, ==, 0600);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE);
      g_assert_nonnull (strstr (error->message, sources[i]));
      g_assert_nonnull (strstr (error->message, sources[i] == link ? "symbolic link"
                                                                     : "not a regular file"));
      g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
    }
  hg_test_remove_tree (dir);
}

/* ---- threads: work in a worker never runs the caller's main context ------------------ */

/* The global default context is GTK's in the window: a worker thread that
 * ran it (dispatching its idles, X events) would race the main thread.
 * Both checks leave the default context unowned while the worker runs, as
 * a window does between two iterations, and record where things ran. */

typedef struct {
  GThread      *main_thread;
  guint         calls;
  guint         off_thread;     /* calls made in another thread */
  guint         after_finish;   /* calls made after the _async callback */
  double        last;
  gboolean      finished;
  GAsyncResult *result;
} ThreadLog;

static void
thread_log_progress (double   fraction,
                     gpointer user_data)
{
  ThreadLog *log = user_data;

  log->calls++;
  if (g_thread_self () != log->main_thread)
    log->off_thread++;
  if (log->finished)
    log->after_finish++;
  g_assert_cmpfloat (fraction, >=, log->last);
  log->last = fraction;
}

static void
thread_log_finished (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ThreadLog *log = user_data;

  log->finished = TRUE;
  log->result = g_object_ref (result);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for log->result as a window would, except that between two
 * iterations of the default context it leaves that context unowned for a
 * millisecond (waiting on a context of its own): the moments a worker
 * could take it. */
static void
wait_leaving_default_free (ThreadLog *log,
                           guint      timeout_ms)
{
  g_autoptr(GMainContext) side = g_main_context_new ();
  g_autoptr(GSource) deadline = g_timeout_source_new (timeout_ms);
  gboolean expired = FALSE;

  g_source_set_callback (deadline, set_flag, &expired, NULL);
  g_source_attach (deadline, side);
  while (log->result == NULL && !expired)
    {
      g_autoptr(GSource) tick = g_timeout_source_new (1);
      gboolean ticked = FALSE;

      g_main_context_iteration (NULL, FALSE);
      g_source_set_callback (tick, set_flag, &ticked, NULL);
      g_source_attach (tick, side);
      while (!ticked && !expired)
        g_main_context_iteration (side, TRUE);
      g_source_destroy (tick);
    }
  g_source_destroy (deadline);
  g_assert_nonnull (log->result);
}

/* A copy's progress comes to the thread that started it, never from the
 * copying thread, and never after the copy's callback */
static void
test_progress_thread (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *src = g_build_filename (dir, "big.img", NULL);
  g_autofree char *dest = g_build_filename (dir, "copy.img", NULL);
  ThreadLog log = { g_thread_self (), 0, 0, 0, 0.0, FALSE, NULL };
  g_autoptr(GError) error = NULL;
  int fd;

  /* 256 MiB with 4 KiB of data every 4 MiB: 64 data extents between
   * holes (the copy skips holes), progress reported as they are copied */
  fd = open (src, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 256 << 20), ==, 0);
  {
    char block[4096];

    memset (block, 'x', sizeof block);
    for (off_t at = 0; at < (off_t) 256 << 20; at += 4 << 20)
      g_assert_cmpint (pwrite (fd, block, sizeof block, at), ==, (gssize) sizeof block);
  }
  close (fd);

  hg_disk_image_copy_async (src, dest, thread_log_progress, &log, NULL, thread_log_finished, &log);
  wait_leaving_default_free (&log, 60000);
  g_assert_true (hg_disk_image_copy_finish (log.result, &error));
  g_assert_no_error (error);
  /* anything still queued would come after the callback: run it */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_message ("%u progress calls, %u in the copying thread", log.calls, log.off_thread);
  g_assert_cmpuint (log.calls, >=, 3);
  g_assert_cmpuint (log.off_thread, ==, 0);
  g_assert_cmpuint (log.after_finish, ==, 0);
  g_assert_cmpfloat (log.last, ==, 1.0);
  g_clear_object (&log.result);
  hg_test_remove_tree (dir);
}

static gboolean
record_thread (gpointer data)
{
  *(GThread **) data = g_thread_self ();
  return G_SOURCE_REMOVE;
}

/* libosinfo reads a medium with a GMainLoop on the thread-default context:
 * in the worker of hg_osinfo_detect_iso_async that must not be the global
 * default one.  An idle of the main thread's waits there all along; the
 * result comes to a context of this thread's own, so this thread never
 * runs the default one while the worker reads. */
static void
test_osinfo_detect_thread (void)
{
  g_autofree char *dir = make_dir ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) deadline = g_timeout_source_new (120000);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HgOsInfo) os = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = NULL;
  GThread *ran_in = NULL;
  gboolean expired = FALSE;
  guint id;

  if (hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools ());
      return;
    }
  iso = hg_test_iso_make (dir, "netinst.iso", HG_TEST_ISO_DEBIAN11_AMD64,
                          HG_TEST_ISO_DEBIAN11_DISK_INFO, &error);
  g_assert_no_error (error);

  id = g_idle_add (record_thread, &ran_in);
  g_main_context_push_thread_default (context);
  g_source_set_callback (deadline, set_flag, &expired, NULL);
  g_source_attach (deadline, context);
  hg_osinfo_detect_iso_async (iso, NULL, hg_test_store_result, &result);
  while (result == NULL && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_main_context_pop_thread_default (context);
  g_assert_nonnull (result);
  os = hg_osinfo_detect_iso_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (os->id, ==, "debian11");
  /* the main thread's idle did not run in the worker (nor anywhere) */
  if (ran_in != NULL)
    g_error ("an idle of the default main context ran in %s thread while libosinfo read the medium",
             ran_in == g_thread_self () ? "the main" : "the worker");
  g_source_remove (id);
  hg_test_remove_tree (dir);
}

/* qemu-img gets Hangar's clean environment, not the caller's: a stand-in
 * qemu-img (HANGAR_QEMU_DIR) writes down what it was given. */
static void
test_qemu_img_environment (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *tool = g_build_filename (dir, "qemu-img", NULL);
  g_autofree char *seen = g_build_filename (dir, "env.txt", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\n/usr/bin/env > '%s'\nexit 1\n", seen);
  g_autofree char *image = g_build_filename (dir, "some.img", NULL);
  g_autofree char *dest = g_build_filename (dir, "new.qcow2", NULL);

  hg_test_write_file (tool, script);
  g_assert_cmpint (g_chmod (tool, 0755), ==, 0);
  hg_test_write_file (image, "not an image");
  g_setenv ("HANGAR_QEMU_DIR", dir, TRUE);
  g_setenv ("HANGAR_TEST_SECRET_TOKEN", "marker-5f3a", TRUE);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      g_unlink (seen);
      if (i == 0)
        {
          g_autoptr(HgDiskImageInfo) info = hg_disk_image_inspect (image, NULL, NULL, &error);
          g_assert_null (info);
        }
      else
        {
          g_autoptr(GAsyncResult) result = NULL;

          hg_disk_image_create_async (dest, 1 << 20, NULL, hg_test_store_result, &result);
          g_assert_true (hg_test_wait_result (&result, 10000));
          g_assert_false (hg_disk_image_create_finish (result, &error));
        }
      g_assert_nonnull (error);
      g_assert_true (g_file_get_contents (seen, &text, NULL, NULL));
      g_assert_null (strstr (text, "marker-5f3a"));
      g_assert_nonnull (strstr (text, "PATH=" HG_SPAWN_PATH "\n"));
    }
  g_unsetenv ("HANGAR_TEST_SECRET_TOKEN");
  g_unsetenv ("HANGAR_QEMU_DIR");
  hg_test_remove_tree (dir);
}

static void
test_sizes (void)
{
  g_autoptr(GError) error = NULL;
  guint64 v = 1;

  g_assert_true (hg_size_parse ("8G", &v, &error));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (8) << 30);
  g_assert_true (hg_size_parse ("512MiB", &v, &error));
  g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (512) << 20);
  g_assert_true (hg_size_parse ("none", &v, &error));
  g_assert_cmpuint (v, ==, 0);
  g_assert_false (hg_size_parse ("lots", &v, &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID_SIZE);
  g_clear_error (&error);
  g_assert_false (hg_size_parse ("65T", &v, &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID_SIZE);
  g_clear_error (&error);
  g_assert_cmpuint (hg_fs_free_space ("/nonexistent/deeper/still"), >, 0);
  g_assert_false (hg_iso_check ("/nonexistent.iso", &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  home = g_dir_make_tmp ("hgcreate-home-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  hg_test_runtime_init ();
  /* the subprocesses of /hangar/create/osinfo-module need no emulators */
  if (!g_test_subprocess ())
    caps = hg_host_caps_probe ();
  ctl_path = hg_test_hangarctl_path ();
  qemu_img = hg_disk_image_find_qemu_img ();

  g_test_add_func ("/hangar/create/sizes", test_sizes);
  g_test_add_func ("/hangar/create/osinfo-detect", test_osinfo_detect);
  g_test_add_func ("/hangar/create/osinfo-module", test_osinfo_module);
  g_test_add_func ("/hangar/create/spec-detect", test_spec_detect);
  g_test_add_func ("/hangar/create/spec-defaults", test_spec_defaults);
  g_test_add_func ("/hangar/create/spec-bad-input", test_spec_bad_input);
  g_test_add_func ("/hangar/create/hostile-backing", test_hostile_backing);
  g_test_add_func ("/hangar/create/atomic", test_create_atomic);
  g_test_add_func ("/hangar/create/copy-no-follow", test_copy_no_follow);
  g_test_add_func ("/hangar/create/progress-thread", test_progress_thread);
  g_test_add_func ("/hangar/create/osinfo-detect-thread", test_osinfo_detect_thread);
  g_test_add_func ("/hangar/create/qemu-img-environment", test_qemu_img_environment);
  g_test_add_func ("/hangar/create/cli", test_cli_create);
  g_test_add_func ("/hangar/create/cli-interrupt", test_cli_interrupt);
  g_test_add_func ("/hangar/create/private-modes", test_private_modes);
  status = g_test_run ();
  hg_test_runtime_cleanup ();
  g_clear_pointer (&caps, hg_host_caps_unref);
  hg_test_remove_tree (home);
  g_free (ctl_path);
  g_free (qemu_img);
  return status;
}
