/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hg-host.h"
#include "hg-import.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * The importers of hg-import.h: goldens (tests/data/import/NAME.* → the
 * NAME.hangar written), hostile input, and per format a VM imported from
 * a file naming the tiny guest's boot sector as its disk that starts and
 * boots it (QEMU under TCG).  HANGAR_REGENERATE_GOLDEN=1 rewrites the
 * goldens.
 */

static HgHostCaps *caps;

static char *
data_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "import", NULL);
}

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "import", name, NULL);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("«%s» does not contain «%s»", haystack ? haystack : "(null)", needle);
}

/* qemu-img ARGS… (asserting success) */
static void
img (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  va_list args;

  g_ptr_array_add (argv, (char *) "qemu-img");
  va_start (args, first);
  for (const char *a = first; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (hg_test_run ((const char * const *) argv->pdata, NULL, &err, 60000) != 0)
    g_error ("qemu-img failed: %s", err);
}

static gboolean
have_qemu_img (void)
{
  g_autofree char *path = g_find_program_in_path ("qemu-img");

  if (path == NULL)
    hg_test_skip_or_fail ("qemu-img is not installed");
  return path != NULL;
}

/* every file in dir (no sub-folders expected): nothing left behind */
static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* ------------------------------------------------------------------------
 * Goldens
 * ------------------------------------------------------------------------ */

static char *
replace_all (const char *text,
             const char *from,
             const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  return g_strjoinv (to, parts);
}

/* the made-up values of the keys (uuid, mac) become @UUID@ / @MAC@ */
static char *
mask_key (const char *text,
          const char *key,
          const char *mask)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        g_free (lines[i]);
        lines[i] = g_strconcat (prefix, mask, NULL);
      }
  return g_strjoinv ("\n", lines);
}

typedef enum {
  MASK_NONE = 0,
  MASK_UUID = 1 << 0,
  MASK_MAC  = 1 << 1,
} Mask;

/* imports dir/input into a fresh base with the disks linked and compares
 * the .hangar with tests/data/import/<golden> */
static void
check_golden (const char *dir,
              const char *input,
              const char *golden,
              Mask        mask)
{
  g_autofree char *data = data_dir ();
  g_autofree char *path = g_build_filename (dir, input, NULL);
  g_autofree char *expected_path = fixture (golden);
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *written = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *t1 = NULL;
  g_autofree char *t2 = NULL;
  g_autofree char *t3 = NULL;
  g_autofree char *report = NULL;

  imp = hg_import_open (path, HG_IMPORT_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  report = hg_import_format_report (imp);
  g_test_message ("%s", report);
  hg_import_write (imp, base, HG_IMPORT_DISKS_LINK, NULL, NULL, NULL, &config_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_path, &written, NULL, NULL));

  t1 = replace_all (written, base, "@BASE@");
  t2 = replace_all (t1, dir, strcmp (dir, data) == 0 ? "@DATA@" : "@DIR@");
  t3 = (mask & MASK_UUID) ? mask_key (t2, "uuid", "@UUID@") : g_strdup (t2);
  g_free (t2);
  t2 = (mask & MASK_MAC) ? mask_key (t3, "mac", "@MAC@") : g_strdup (t3);

  if (g_strcmp0 (g_getenv ("HANGAR_REGENERATE_GOLDEN"), "1") == 0)
    hg_test_write_file (expected_path, t2);
  g_assert_true (g_file_get_contents (expected_path, &expected, NULL, NULL));
  g_assert_cmpstr (t2, ==, expected);

  /* Hangar loads what it wrote */
  {
    g_autoptr(HgVmConfig) loaded = hg_vm_config_load (config_path, &error);

    g_assert_no_error (error);
    g_assert_nonnull (loaded);
  }
  hg_test_remove_tree (base);
}

static void
golden_data (const char *input,
             const char *golden,
             Mask        mask)
{
  g_autofree char *dir = data_dir ();

  check_golden (dir, input, golden, mask);
}

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/* importing text (written as dir/name) fails with code and a message
 * containing needle; base stays empty */
static void
assert_refused_in (const char *dir,
                   const char *name,
                   const char *text,
                   HgImportFormat format,
                   int         code,
                   const char *needle)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;

  if (text != NULL)
    hg_test_write_file (path, text);
  imp = hg_import_open (path, format, NULL, &error);
  g_assert_null (imp);
  g_assert_error (error, HG_IMPORT_ERROR, code);
  assert_contains (error->message, needle);
}

static void
assert_refused (const char    *name,
                const char    *text,
                HgImportFormat format,
                int            code,
                const char    *needle)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");

  assert_refused_in (dir, name, text, format, code, needle);
  hg_test_remove_tree (dir);
}

/* ------------------------------------------------------------------------
 * End to end: the imported VM boots the tiny guest from its disk
 * ------------------------------------------------------------------------ */

/* dir/name: the tiny boot sector as an image of that format, or FALSE
 * (skipped) when the guest or qemu-img is not there */
static gboolean
make_boot_disk (const char *dir,
                const char *name,
                const char *format,
                const char *options)
{
  g_autofree char *img_path = hg_test_guest_file ("tiny", "boot.img");
  g_autofree char *dest = g_build_filename (dir, name, NULL);

  if (img_path == NULL)
    {
      hg_test_skip_or_fail ("the tiny guest is not built (tools/build-guests.sh)");
      return FALSE;
    }
  if (!have_qemu_img ())
    return FALSE;
  if (options != NULL)
    img ("convert", "-q", "-f", "raw", "-O", format, "-o", options, img_path, dest, NULL);
  else
    img ("convert", "-q", "-f", "raw", "-O", format, img_path, dest, NULL);
  return TRUE;
}

/* imports path (disks as mode) and boots the VM: the boot sector greets on
 * the serial port */
static void
boot_imported (const char    *path,
               HgImportDisks  mode)
{
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;

  imp = hg_import_open (path, HG_IMPORT_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  hg_import_write (imp, base, mode, NULL, NULL, NULL, &config_path, &error);
  g_assert_no_error (error);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->disks->len, >=, 1);
  config->accel = HG_ACCEL_TCG;
  config->boot_mode = HG_BOOT_DISK;

  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ------------------------------------------------------------------------
 * Detection, CLI-independent basics
 * ------------------------------------------------------------------------ */

static void
test_detect (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  static const struct { const char *name; const char *text; HgImportFormat format; } cases[] = {
    { "a.xml", "<?xml version='1.0'?>\n<!-- x -->\n<domain type='kvm'/>", HG_IMPORT_FORMAT_LIBVIRT },
    { "a.txt", "<domain type='kvm'><name>x</name></domain>", HG_IMPORT_FORMAT_LIBVIRT },
    { "b.txt", "<?xml version=\"1.0\"?>\n<ovf:Envelope xmlns:ovf='x'/>", HG_IMPORT_FORMAT_OVF },
    { "c.txt", "#!/usr/bin/quickemu --vm\nguest_os=\"linux\"\ndisk_img=\"d/disk.qcow2\"\n",
      HG_IMPORT_FORMAT_QUICKEMU },
    { "d.txt", ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nmemsize = \"64\"\n",
      HG_IMPORT_FORMAT_VMX },
    { "e.ctys", "LABEL=x\n", HG_IMPORT_FORMAT_CTYS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autoptr(GError) error = NULL;

      hg_test_write_file (path, cases[i].text);
      g_assert_cmpint (hg_import_detect_format (path, &error), ==, cases[i].format);
      g_assert_no_error (error);
    }
  {
    g_autofree char *path = g_build_filename (dir, "x.bin", NULL);
    g_autoptr(GError) error = NULL;

    hg_test_write_file (path, "hello\n");
    g_assert_cmpint (hg_import_detect_format (path, &error), ==, HG_IMPORT_FORMAT_AUTO);
    g_assert_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_FORMAT);
    assert_contains (error->message, "x.bin: cannot tell the format");
  }
  hg_test_remove_tree (dir);
}

/* ------------------------------------------------------------------------
 * libvirt
 * ------------------------------------------------------------------------ */

static void
test_libvirt_golden (void)
{
  golden_data ("libvirt-basic.xml", "libvirt-basic.hangar", MASK_NONE);
  golden_data ("libvirt-uefi.xml", "libvirt-uefi.hangar", MASK_NONE);
  golden_data ("libvirt-dumpxml.xml", "libvirt-dumpxml.hangar", MASK_NONE);
}

static void
test_libvirt_report (void)
{
  g_autofree char *path = fixture ("libvirt-dumpxml.xml");
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;

  imp = hg_import_open (path, HG_IMPORT_FORMAT_LIBVIRT, NULL, &error);
  g_assert_no_error (error);
  report = hg_import_format_report (imp);
  assert_contains (report, "VM “web01”: x86_64, 4096 MiB, 2 CPU(s), 1 disk(s)");
  assert_contains (report, "Taken over:");
  assert_contains (report, "memory=4194304 — 4096 MiB");
  assert_contains (report, "machine=pc-q35-7.2 — q35");
  assert_contains (report, "Not taken over:");
  assert_contains (report, "a disk of type “block”: only file-backed disks are imported");
  assert_contains (report, "UEFI firmware: not taken over");
  assert_contains (report, "web01_VARS.fd");

  /* --switch: the libvirt network becomes the VDE switch */
  {
    g_autoptr(HgImport) vde = hg_import_open (path, HG_IMPORT_FORMAT_LIBVIRT, "lab", &error);
    HgNic *nic;

    g_assert_no_error (error);
    nic = g_ptr_array_index (hg_import_get_config (vde)->nics, 0);
    g_assert_cmpint (nic->mode, ==, HG_NET_VDE);
    g_assert_cmpstr (nic->switch_name, ==, "lab");
  }
}

static void
test_libvirt_hostile (void)
{
  /* billion laughs: refused at the DOCTYPE, nothing expanded */
  assert_refused ("laughs.xml",
                  "<?xml version=\"1.0\"?>\n"
                  "<!DOCTYPE lolz [\n"
                  " <!ENTITY lol \"lol\">\n"
                  " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                  "]>\n"
                  "<domain><name>&lol2;</name></domain>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_UNSAFE,
                  "laughs.xml:2: a DOCTYPE or entity declaration; refused");
  /* an external entity without a DOCTYPE is an unknown entity */
  assert_refused ("xxe.xml",
                  "<domain>\n<name>&xxe;</name></domain>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_PARSE, "xxe.xml:2: malformed XML");
  /* malformed: the line is named */
  assert_refused ("bad.xml",
                  "<domain>\n  <name>x</name>\n  <memory unit='KiB'>1024</memry>\n</domain>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_PARSE, "bad.xml:3: malformed XML");
  assert_refused ("mem.xml",
                  "<domain>\n  <name>x</name>\n  <memory unit='parsec'>1</memory>\n</domain>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_PARSE, "mem.xml:3: <memory unit='parsec'>");
  assert_refused ("root.xml", "<network><name>x</name></network>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_FORMAT, "not a libvirt <domain>");
  /* a disk path with .. */
  assert_refused ("dots.xml",
                  "<domain>\n<name>x</name>\n<devices>\n<disk type='file' device='disk'>\n"
                  "<driver type='qcow2'/>\n<source file='/srv/images/../../etc/shadow'/>\n"
                  "</disk>\n</devices>\n</domain>\n",
                  HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_UNSAFE,
                  "dots.xml:6: disk “/srv/images/../../etc/shadow”: refused");
  /* deep nesting and a huge file are bounded */
  {
    g_autoptr(GString) deep = g_string_new ("<domain>");

    for (guint i = 0; i < 100; i++)
      g_string_append (deep, "<a>");
    assert_refused ("deep.xml", deep->str, HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_TOO_LARGE,
                    "deep.xml:1: more than 64 levels");
  }
  {
    g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
    g_autofree char *path = g_build_filename (dir, "huge.xml", NULL);
    FILE *f = fopen (path, "w");

    g_assert_nonnull (f);
    g_assert_cmpint (fseek (f, 64 * 1024 * 1024, SEEK_SET), ==, 0);
    fputs ("</domain>", f);
    fclose (f);
    assert_refused_in (dir, "huge.xml", NULL, HG_IMPORT_FORMAT_LIBVIRT, HG_IMPORT_ERROR_TOO_LARGE,
                       "huge.xml: larger than 1048576 bytes");
    hg_test_remove_tree (dir);
  }
}

static void
test_libvirt_boot (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *xml = NULL;
  g_autofree char *path = g_build_filename (dir, "tiny.xml", NULL);
  g_autofree char *disk = g_build_filename (dir, "tiny.qcow2", NULL);

  if (!make_boot_disk (dir, "tiny.qcow2", "qcow2", NULL))
    return;
  xml = g_strdup_printf ("<domain type='kvm'>\n"
                         "  <name>libvirt-boot</name>\n"
                         "  <memory unit='MiB'>64</memory>\n"
                         "  <vcpu>1</vcpu>\n"
                         "  <os><type arch='x86_64' machine='pc-i440fx-8.0'>hvm</type>"
                         "<boot dev='hd'/></os>\n"
                         "  <devices>\n"
                         "    <disk type='file' device='disk'>\n"
                         "      <driver name='qemu' type='qcow2'/>\n"
                         "      <source file='%s'/>\n"
                         "      <target dev='hda' bus='ide'/>\n"
                         "    </disk>\n"
                         "    <graphics type='vnc'/>\n"
                         "  </devices>\n"
                         "</domain>\n", disk);
  hg_test_write_file (path, xml);
  boot_imported (path, HG_IMPORT_DISKS_LINK);
  boot_imported (path, HG_IMPORT_DISKS_CONVERT);
  hg_test_remove_tree (dir);
}

/* a failed write leaves nothing: a disk to copy that is missing */
static void
test_write_failure_clean (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "gone.xml", NULL);
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;

  hg_test_write_file (path, "<domain>\n<name>gone</name>\n<devices>\n<disk type='file' device='disk'>\n"
                    "<driver type='raw'/>\n<source file='/nonexistent/gone.img'/>\n"
                    "</disk>\n</devices>\n</domain>\n");
  imp = hg_import_open (path, HG_IMPORT_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (hg_import_write (imp, base, HG_IMPORT_DISKS_COPY, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_IO);
  assert_contains (error->message, "/nonexistent/gone.img does not exist; nothing to copy");
  g_assert_cmpuint (count_entries (base), ==, 0);
  hg_test_remove_tree (dir);
  hg_test_remove_tree (base);
}

/* ------------------------------------------------------------------------
 * quickemu
 * ------------------------------------------------------------------------ */

static void
test_quickemu_golden (void)
{
  golden_data ("quickemu-debian.conf", "quickemu-debian.hangar", MASK_UUID | MASK_MAC);
}

static void
test_quickemu_hostile (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *link = g_build_filename (dir, "disk.qcow2", NULL);

  assert_refused ("dots.conf", "guest_os=\"linux\"\ndisk_img=\"../other/disk.qcow2\"\n",
                  HG_IMPORT_FORMAT_QUICKEMU, HG_IMPORT_ERROR_UNSAFE,
                  "dots.conf:2: disk_img “../other/disk.qcow2”: refused");
  assert_refused ("abs.conf", "guest_os=\"linux\"\ndisk_img=\"/etc/shadow\"\n",
                  HG_IMPORT_FORMAT_QUICKEMU, HG_IMPORT_ERROR_UNSAFE,
                  "abs.conf:2: disk_img “/etc/shadow”: refused: outside the import folder");
  /* a link in the folder that leads out of it */
  g_assert_cmpint (symlink ("/etc/passwd", link), ==, 0);
  assert_refused_in (dir, "link.conf", "guest_os=\"linux\"\n\ndisk_img=\"disk.qcow2\"\n",
                     HG_IMPORT_FORMAT_QUICKEMU, HG_IMPORT_ERROR_UNSAFE,
                     "link.conf:3: disk_img “disk.qcow2”: refused: it leads to /etc/passwd");
  assert_refused ("quote.conf", "guest_os=\"linux\"\nram=\"4G\nx=1\n", HG_IMPORT_FORMAT_QUICKEMU,
                  HG_IMPORT_ERROR_PARSE, "quote.conf:2: unterminated \" quote");
  assert_refused ("run.conf", "guest_os=\"linux\"\ndisk_img=\"$(rm -rf ~)\"\n",
                  HG_IMPORT_FORMAT_QUICKEMU, HG_IMPORT_ERROR_PARSE,
                  "run.conf:2: a shell expansion");
  assert_refused ("cmd.conf", "guest_os=\"linux\"\nrm -rf /\n", HG_IMPORT_FORMAT_QUICKEMU,
                  HG_IMPORT_ERROR_PARSE, "cmd.conf:2: not a KEY=\"value\" line");
  assert_refused ("fwd.conf", "port_forwards=(\"80:99999\")\n", HG_IMPORT_FORMAT_QUICKEMU,
                  HG_IMPORT_ERROR_PARSE, "fwd.conf:1: port_forwards: “80:99999”");
  hg_test_remove_tree (dir);
}

static void
test_quickemu_boot (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *sub = g_build_filename (dir, "tiny", NULL);
  g_autofree char *path = g_build_filename (dir, "tiny.conf", NULL);

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  if (!make_boot_disk (sub, "disk.qcow2", "qcow2", NULL))
    {
      hg_test_remove_tree (dir);
      return;
    }
  hg_test_write_file (path, "#!/usr/bin/quickemu --vm\nguest_os=\"linux\"\ndisk_img=\"tiny/disk.qcow2\"\n"
                    "ram=\"64M\"\ncpu_cores=\"1\"\nport_forwards=(\"12222:22\")\n");
  boot_imported (path, HG_IMPORT_DISKS_LINK);
  boot_imported (path, HG_IMPORT_DISKS_COPY);
  hg_test_remove_tree (dir);
}

/* ------------------------------------------------------------------------
 * VMware .vmx
 * ------------------------------------------------------------------------ */

static void
test_vmx_golden (void)
{
  golden_data ("vmx-debian.vmx", "vmx-debian.hangar", MASK_UUID);
}

static void
test_vmx_hostile (void)
{
  assert_refused ("dots.vmx", "displayName = \"x\"\nide0:0.present = \"TRUE\"\n"
                  "ide0:0.fileName = \"../../x.vmdk\"\n",
                  HG_IMPORT_FORMAT_VMX, HG_IMPORT_ERROR_UNSAFE,
                  "dots.vmx:3: ide0:0.filename “../../x.vmdk”: refused");
  assert_refused ("abs.vmx", "displayName = \"x\"\nscsi0:0.fileName = \"/srv/x.vmdk\"\n",
                  HG_IMPORT_FORMAT_VMX, HG_IMPORT_ERROR_UNSAFE,
                  "abs.vmx:2: scsi0:0.filename “/srv/x.vmdk”: refused: outside");
  assert_refused ("bad.vmx", "displayName = \"x\"\nmemsize \"64\"\n", HG_IMPORT_FORMAT_VMX,
                  HG_IMPORT_ERROR_PARSE, "bad.vmx:2: not a key = \"value\" line");
  assert_refused ("quote.vmx", "displayName = \"x\nmemsize = \"64\"\n", HG_IMPORT_FORMAT_VMX,
                  HG_IMPORT_ERROR_PARSE, "quote.vmx:1: displayName: unterminated quote");
  assert_refused ("mem.vmx", "memsize = \"lots\"\n", HG_IMPORT_FORMAT_VMX,
                  HG_IMPORT_ERROR_PARSE, "mem.vmx:1: memsize: “lots”");
}

static void
test_vmx_boot (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "tiny.vmx", NULL);

  if (!make_boot_disk (dir, "tiny.vmdk", "vmdk", NULL))
    {
      hg_test_remove_tree (dir);
      return;
    }
  hg_test_write_file (path, ".encoding = \"UTF-8\"\nconfig.version = \"8\"\ndisplayName = \"vmx-boot\"\n"
                    "memsize = \"64\"\nnumvcpus = \"1\"\nide0:0.present = \"TRUE\"\n"
                    "ide0:0.fileName = \"tiny.vmdk\"\nethernet0.present = \"TRUE\"\n"
                    "ethernet0.virtualDev = \"e1000\"\n");
  boot_imported (path, HG_IMPORT_DISKS_LINK);
  boot_imported (path, HG_IMPORT_DISKS_CONVERT);
  hg_test_remove_tree (dir);
}

/* ------------------------------------------------------------------------
 * OVF / OVA
 * ------------------------------------------------------------------------ */

/* dir/<name>.ovf from the fixture (with edits: from -> to), the tiny boot
 * sector as its streamOptimized VMDK (or vmdk_text as the "disk"), and
 * the .mf with the right digests (or a wrong one for the member bad) */
static gboolean
make_ovf (const char *dir,
          const char *from,
          const char *to,
          const char *vmdk_text,
          const char *bad)
{
  g_autofree char *src = fixture ("ovf-tiny.ovf");
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *ovf = g_build_filename (dir, "tiny.ovf", NULL);
  g_autofree char *vmdk = g_build_filename (dir, "tiny-disk001.vmdk", NULL);
  g_autofree char *mf = g_build_filename (dir, "tiny.mf", NULL);
  g_autoptr(GString) manifest = g_string_new (NULL);
  const char *names[] = { "tiny.ovf", "tiny-disk001.vmdk" };

  g_assert_true (g_file_get_contents (src, &text, NULL, NULL));
  edited = from != NULL ? replace_all (text, from, to) : g_strdup (text);
  hg_test_write_file (ovf, edited);
  if (vmdk_text != NULL)
    hg_test_write_file (vmdk, vmdk_text);
  else if (!make_boot_disk (dir, "tiny-disk001.vmdk", "vmdk", "subformat=streamOptimized"))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *data = NULL;
      g_autofree char *sum = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, len);
      if (g_strcmp0 (bad, names[i]) == 0)
        sum[0] = sum[0] == '0' ? '1' : '0';
      g_string_append_printf (manifest, "SHA256(%s)= %s\n", names[i], sum);
    }
  hg_test_write_file (mf, manifest->str);
  return TRUE;
}

/* dir/tiny.ova of the files make_ovf made (tar, ustar format) */
static char *
make_ova (const char *dir)
{
  g_autofree char *ova = g_build_filename (dir, "tiny.ova", NULL);
  g_autofree char *err = NULL;
  const char *argv[] = { "tar", "--format=ustar", "-cf", ova, "-C", dir,
                         "tiny.ovf", "tiny.mf", "tiny-disk001.vmdk", NULL };

  if (hg_test_run (argv, NULL, &err, 60000) != 0)
    g_error ("tar failed: %s", err);
  return g_steal_pointer (&ova);
}

static void
test_ovf_golden (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");

  if (make_ovf (dir, NULL, NULL, NULL, NULL))
    check_golden (dir, "tiny.ovf", "ovf-tiny.hangar", MASK_UUID | MASK_MAC);
  hg_test_remove_tree (dir);
}

static void
test_ova_boot (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *ova = NULL;

  if (make_ovf (dir, NULL, NULL, NULL, NULL))
    {
      ova = make_ova (dir);
      boot_imported (ova, HG_IMPORT_DISKS_LINK);
    }
  hg_test_remove_tree (dir);
}

/* the OVA made of these files fails to import: at open (open_code) or at
 * write (write_code), the base left empty */
static void
assert_ova_refused (const char *from,
                    const char *to,
                    const char *vmdk_text,
                    const char *bad,
                    int         open_code,
                    int         write_code,
                    const char *needle)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *ova = NULL;
  g_autoptr(HgImport) imp = NULL;
  g_autoptr(GError) error = NULL;

  if (!make_ovf (dir, from, to, vmdk_text, bad))
    return;
  ova = make_ova (dir);
  imp = hg_import_open (ova, HG_IMPORT_FORMAT_AUTO, NULL, &error);
  if (open_code >= 0)
    {
      g_assert_null (imp);
      g_assert_error (error, HG_IMPORT_ERROR, open_code);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_false (hg_import_write (imp, base, HG_IMPORT_DISKS_LINK, NULL, NULL, NULL, NULL,
                                       &error));
      g_assert_error (error, HG_IMPORT_ERROR, write_code);
      g_assert_cmpuint (count_entries (base), ==, 0);
    }
  assert_contains (error->message, needle);
  hg_test_remove_tree (dir);
  hg_test_remove_tree (base);
}

static void
test_ova_hostile (void)
{
  /* a damaged disk: the manifest's digest fails, nothing is written */
  assert_ova_refused (NULL, NULL, NULL, "tiny-disk001.vmdk", -1, HG_IMPORT_ERROR_CHECKSUM,
                      "tiny-disk001.vmdk: its SHA256 digest is");
  /* an altered envelope */
  assert_ova_refused (NULL, NULL, NULL, "tiny.ovf", HG_IMPORT_ERROR_CHECKSUM, -1,
                      "tiny.ovf: its SHA256 digest is");
  /* a "VMDK" that is not one */
  assert_ova_refused (NULL, NULL, "#!/bin/sh\necho not a disk\n", NULL, -1,
                      HG_IMPORT_ERROR_UNSUPPORTED, "not a VMDK image; refused");
  /* a disk format other than VMDK */
  assert_ova_refused ("vmdk.html#streamOptimized", "raw", NULL, NULL,
                      HG_IMPORT_ERROR_UNSUPPORTED, -1, "is not a VMDK; refused");
  /* a file reference leaving the folder */
  assert_ova_refused ("ovf:href=\"tiny-disk001.vmdk\"", "ovf:href=\"../../etc/passwd\"", NULL,
                      NULL, HG_IMPORT_ERROR_UNSAFE, -1,
                      "tiny.ovf:4: file “../../etc/passwd”: refused");
  /* malformed XML names the line */
  assert_ova_refused ("</DiskSection>", "</DiskSectio>", NULL, NULL, HG_IMPORT_ERROR_PARSE, -1,
                      "tiny.ovf:9: malformed XML");
  /* not a tar file at all */
  assert_refused ("x.ova", "this is not a tar file, but it is called one\n",
                  HG_IMPORT_FORMAT_OVA, HG_IMPORT_ERROR_PARSE, "not an OVA (a tar file)");
}

/* ------------------------------------------------------------------------
 * hangarctl import
 * ------------------------------------------------------------------------ */

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 120000, __VA_ARGS__)

static void
test_cli (void)
{
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *xml = fixture ("libvirt-dumpxml.xml");
  g_autofree char *ctys = g_test_build_filename (G_TEST_DIST, "data", "ctys", "tst323.ctys", NULL);
  g_autofree char *written = g_build_filename (base, "web01", "web01.hangar", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (ctl (base, &out, &err, "import", xml, NULL), ==, 0);
  assert_contains (out, "(libvirt) → VM “web01”");
  assert_contains (out, "Taken over:");
  assert_contains (out, "Not taken over:");
  assert_contains (out, "Created VM 'web01': ");
  g_assert_true (g_file_test (written, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the name is taken now */
  g_assert_cmpint (ctl (base, &out, &err, "import", xml, NULL), ==, 2);
  assert_contains (err, "hangarctl: import: a VM named 'web01' exists already");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (base, &out, &err, "import", xml, "--name", "web02", "--switch", "lab",
                        NULL), ==, 0);
  assert_contains (out, "a NIC on the VDE switch lab");
  /* the same file twice: the second VM gets a UUID of its own */
  assert_contains (out, "uuid=7d3a8c3e-1f2b-4a5c-9d6e-0f1a2b3c4d5e — already the UUID of ");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a ctys file goes to import-ctys */
  g_assert_cmpint (ctl (base, &out, &err, "import", ctys, NULL), ==, 0);
  assert_contains (out, "Created VM 'tst323'");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ctl (base, &out, &err, "import", xml, "--format", "qcow2", NULL), ==, 2);
  assert_contains (err, "--format: unknown format 'qcow2'");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (base, &out, &err, "import", xml, "--disks", "move", NULL), ==, 2);
  assert_contains (err, "--disks: unknown mode 'move' (link, copy or convert)");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (base, &out, &err, "import", "/nonexistent/vm.xml", NULL), ==, 3);
  assert_contains (err, "/nonexistent/vm.xml: no such file");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a libvirt file forced to be read as a VMware one */
  g_assert_cmpint (ctl (base, &out, &err, "import", xml, "--format", "vmx", NULL), ==, 6);
  assert_contains (err, "libvirt-dumpxml.xml:1: not a key = \"value\" line");
  hg_test_remove_tree (base);
}

/* an OVA through hangarctl: converted with progress lines, named */
static void
test_cli_ova (void)
{
  g_autofree char *dir = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *base = hg_test_make_dir ("hangar-import-XXXXXX");
  g_autofree char *ova = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *disk = g_build_filename (base, "appliance", "tiny-disk001.qcow2", NULL);

  if (!make_ovf (dir, NULL, NULL, NULL, NULL))
    {
      hg_test_remove_tree (dir);
      hg_test_remove_tree (base);
      return;
    }
  ova = make_ova (dir);
  g_assert_cmpint (ctl (base, &out, &err, "import", ova, "--name", "appliance", "--disks",
                        "copy", NULL), ==, 0);
  assert_contains (out, "(ova) → VM “appliance”");
  assert_contains (out, "tiny-disk001.vmdk — a VMDK, converted to qcow2 (ide); its manifest "
                        "digest checked");
  assert_contains (err, "100 %");
  g_assert_true (g_file_test (disk, G_FILE_TEST_IS_REGULAR));
  hg_test_remove_tree (dir);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/import/detect", test_detect);
  g_test_add_func ("/hangar/import/write-failure-clean", test_write_failure_clean);
  g_test_add_func ("/hangar/import/libvirt-golden", test_libvirt_golden);
  g_test_add_func ("/hangar/import/libvirt-report", test_libvirt_report);
  g_test_add_func ("/hangar/import/libvirt-hostile", test_libvirt_hostile);
  g_test_add_func ("/hangar/import/libvirt-boot", test_libvirt_boot);
  g_test_add_func ("/hangar/import/quickemu-golden", test_quickemu_golden);
  g_test_add_func ("/hangar/import/quickemu-hostile", test_quickemu_hostile);
  g_test_add_func ("/hangar/import/quickemu-boot", test_quickemu_boot);
  g_test_add_func ("/hangar/import/vmx-golden", test_vmx_golden);
  g_test_add_func ("/hangar/import/vmx-hostile", test_vmx_hostile);
  g_test_add_func ("/hangar/import/vmx-boot", test_vmx_boot);
  g_test_add_func ("/hangar/import/ovf-golden", test_ovf_golden);
  g_test_add_func ("/hangar/import/ova-hostile", test_ova_hostile);
  g_test_add_func ("/hangar/import/ova-boot", test_ova_boot);
  g_test_add_func ("/hangar/import/cli", test_cli);
  g_test_add_func ("/hangar/import/cli-ova", test_cli_ova);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
