/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hg-ctys.h"

#define PWNED "/tmp/hg-ctys-pwned"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "ctys", name, NULL);
}

static HgCtysImport *
parse_fixture (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autoptr(GError) error = NULL;
  HgCtysImport *imp = hg_ctys_parse_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (imp);
  return imp;
}

static HgCtysImport *
parse_string (const char *text)
{
  g_autoptr(GError) error = NULL;
  HgCtysImport *imp = hg_ctys_parse_data (text, -1, "test.ctys", &error);

  g_assert_no_error (error);
  g_assert_nonnull (imp);
  return imp;
}

static HgVmConfig *
config_of (HgCtysImport *imp)
{
  g_autoptr(GError) error = NULL;
  HgVmConfig *cfg = hg_ctys_import_to_config (imp, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  return cfg;
}

/* The note about KEY in a report list, or NULL */
static HgCtysNote *
find_note (GPtrArray  *notes,
           const char *key)
{
  for (guint i = 0; i < notes->len; i++)
    {
      HgCtysNote *note = g_ptr_array_index (notes, i);

      if (g_strcmp0 (note->key, key) == 0)
        return note;
    }
  return NULL;
}

static HgCtysNote *
find_note_text (GPtrArray  *notes,
                const char *substring)
{
  for (guint i = 0; i < notes->len; i++)
    {
      HgCtysNote *note = g_ptr_array_index (notes, i);

      if (note->text != NULL && strstr (note->text, substring) != NULL)
        return note;
    }
  return NULL;
}

static HgCtysNote *
need_note (GPtrArray  *notes,
           const char *key)
{
  HgCtysNote *note = find_note (notes, key);

  if (note == NULL)
    g_error ("no note about %s", key);
  return note;
}

static HgCtysNote *
need_note_text (GPtrArray  *notes,
                const char *substring)
{
  HgCtysNote *note = find_note_text (notes, substring);

  if (note == NULL)
    g_error ("no note with “%s”", substring);
  return note;
}

static HgMedium *
need_medium (HgVmConfig   *cfg,
             HgMediumKind  kind)
{
  HgMedium *medium = hg_vm_config_get_medium (cfg, kind);

  if (medium == NULL)
    g_error ("no medium of kind %d", kind);
  return medium;
}

static void
assert_path_ends (const char *path,
                  const char *suffix)
{
  g_assert_nonnull (path);
  g_assert_true (g_path_is_absolute (path));
  if (!g_str_has_suffix (path, suffix))
    g_error ("%s does not end in %s", path, suffix);
}

static HgNic *
first_nic (HgVmConfig *cfg)
{
  g_assert_cmpuint (cfg->nics->len, >=, 1);
  return g_ptr_array_index (cfg->nics, 0);
}

static char *
guest_key (HgVmConfig *cfg,
           const char *key)
{
  return g_key_file_get_string (hg_vm_config_get_keyfile (cfg), "guest", key, NULL);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static char *
copy_fixture_to (const char *name,
                 const char *dir)
{
  g_autofree char *src = fixture (name);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  char *dst = g_build_filename (dir, name, NULL);
  gsize len;

  g_assert_true (g_file_get_contents (src, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (dst, contents, len, &error));
  g_assert_no_error (error);
  return dst;
}

/* ------------------------------------------------------------------------
 * The manual's examples
 * ------------------------------------------------------------------------ */

static void
test_tst323 (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst323.ctys");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  g_autofree char *ip = guest_key (cfg, "ip");
  g_autofree char *osrel = guest_key (cfg, "os-release");
  HgMedium *cd;
  HgNic *nic;

  g_assert_cmpstr (hg_ctys_import_get_label (imp), ==, "tst323");
  g_assert_cmpstr (cfg->label, ==, "tst323");
  g_assert_cmpstr (cfg->arch, ==, "x86_64");  /* no STARTERCALL/ARCH: assumed */

  cd = hg_vm_config_get_medium (cfg, HG_MEDIUM_CDROM);
  g_assert_nonnull (cd);
  g_assert_cmpstr (cd->path, ==,
                   "/mntn/swpool/miscOS/QNX/6.4.0/raw/qnxsdp-6.4.0-200810211530-dvd.iso");
  /* nothing else to boot: the install DVD (Table 2: QNX installed from ISO) */
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_CDROM);
  g_assert_cmpuint (cfg->disks->len, ==, 0);

  nic = first_nic (cfg);
  g_assert_cmpint (nic->mode, ==, HG_NET_VDE);
  g_assert_cmpstr (nic->switch_name, ==, "default");
  g_assert_cmpstr (nic->mac, ==, "00:50:56:13:13:18");

  g_assert_cmpstr (ip, ==, "172.20.6.23");
  g_assert_cmpstr (cfg->os_name, ==, "QNX-SDP");
  g_assert_cmpstr (cfg->os_version, ==, "6.4.0");
  g_assert_cmpstr (cfg->os_family, ==, "qnx");
  g_assert_cmpstr (osrel, ==, "6.2.3");

  g_assert_cmpuint (hg_ctys_import_get_unmapped (imp)->len, ==, 0);
  g_assert_cmpuint (hg_ctys_import_get_ignored_lines (imp)->len, ==, 0);
  g_assert_cmpuint (hg_ctys_import_get_unevaluated (imp)->len, ==, 0);
}

static void
test_tst324 (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst324.ctys");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  g_autofree char *ip = guest_key (cfg, "ip");
  g_autofree char *mask = guest_key (cfg, "netmask");
  GPtrArray *unmapped = hg_ctys_import_get_unmapped (imp);
  HgCtysNote *note;
  HgDisk *disk;

  g_assert_cmpstr (cfg->label, ==, "tst324");
  g_assert_cmpstr (cfg->arch, ==, "arm");           /* STARTERCALL qemu-system-arm */
  g_assert_cmpstr (cfg->machine, ==, "integratorcp");
  g_assert_cmpstr (cfg->cpu_model, ==, "arm926");
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_TCG);   /* ACCELERATOR=QEMU */
  g_assert_cmpuint (cfg->memory_mib, ==, 128);

  assert_path_ends (cfg->kernel, "/tests/data/ctys/zImage.integrator");
  assert_path_ends (cfg->initrd, "/tests/data/ctys/arm_root.img");
  g_assert_null (cfg->append);  /* commented out in the manual */
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_KERNEL);

  /* HDDBOOTIMAGE_INST_SIZE: the image ctys would create, <label>.img */
  g_assert_cmpuint (cfg->disks->len, ==, 1);
  disk = g_ptr_array_index (cfg->disks, 0);
  assert_path_ends (disk->path, "/tst324.img");
  g_assert_cmpstr (disk->format, ==, "raw");

  g_assert_cmpstr (first_nic (cfg)->mac, ==, "00:50:56:13:13:19");
  g_assert_cmpstr (ip, ==, "172.20.6.24");
  g_assert_cmpstr (mask, ==, "255.255.0.0");
  g_assert_cmpstr (cfg->os_name, ==, "QEMU-arm-test");
  g_assert_cmpstr (cfg->os_version, ==, "0.9.1-0.2");

  /* the dd block count has no Hangar setting: reported, with its line */
  g_assert_cmpuint (unmapped->len, ==, 1);
  note = need_note (unmapped, "HDDBOOTIMAGE_INST_BLOCKCOUNT");
  g_assert_cmpuint (note->line, ==, 16);
  g_assert_cmpstr (note->text, ==, "8");
  {
    g_autofree char *kept = g_key_file_get_string (hg_vm_config_get_keyfile (cfg), "ctys",
                                                   "HDDBOOTIMAGE_INST_BLOCKCOUNT", NULL);
    g_assert_cmpstr (kept, ==, "8");
  }
  g_assert_cmpuint (hg_ctys_import_get_ignored_lines (imp)->len, ==, 0);
}

static void
test_tst325 (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst325.ctys");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  g_autofree char *ip = guest_key (cfg, "ip");
  GPtrArray *unmapped = hg_ctys_import_get_unmapped (imp);

  g_assert_cmpstr (cfg->arch, ==, "m68k");
  g_assert_cmpstr (cfg->machine, ==, "mcf5208evb");  /* ARCH=ColdFire */
  g_assert_cmpstr (cfg->cpu_model, ==, "any");
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_TCG);
  g_assert_cmpuint (cfg->memory_mib, ==, 128);
  assert_path_ends (cfg->kernel, "/vmlinux-2.6.21-uc0");
  g_assert_null (cfg->initrd);                        /* INITRDIMAGE=; */
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_KERNEL);

  /* VGA_DRIVER=" -nographic " */
  g_assert_cmpstr (cfg->vga, ==, "none");
  g_assert_cmpint (cfg->console, ==, HG_CONSOLE_SERIAL);

  /* NIC=; : ctys starts it without a network card; its MAC is kept aside */
  g_assert_cmpuint (cfg->nics->len, ==, 0);
  g_assert_nonnull (find_note (unmapped, "MAC"));
  g_assert_nonnull (find_note (unmapped, "HDDBOOTIMAGE_INST_BLOCKCOUNT"));
  g_assert_cmpuint (unmapped->len, ==, 2);
  g_assert_cmpstr (ip, ==, "172.20.6.25");
  g_assert_cmpuint (hg_ctys_import_get_ignored_lines (imp)->len, ==, 0);
}

static void
test_tst488 (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst488.ctys");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  g_autofree char *osrel = guest_key (cfg, "os-release");
  HgNic *nic;

  g_assert_cmpstr (cfg->label, ==, "tst488");
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_KVM);
  g_assert_cmpstr (cfg->arch, ==, "x86_64");
  g_assert_cmpstr (cfg->os_name, ==, "CentOS");
  g_assert_cmpstr (cfg->os_version, ==, "5.4");     /* RELEASE */
  g_assert_cmpstr (cfg->os_family, ==, "linux");
  g_assert_cmpstr (osrel, ==, "2.6.18");            /* OSVERSION */

  /* no MAC in the file: one is generated for the VDE card */
  nic = first_nic (cfg);
  g_assert_cmpint (nic->mode, ==, HG_NET_VDE);
  g_assert_true (hg_mac_is_valid (nic->mac));
  /* no disk, CD or kernel (--no-create-image): network boot */
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_PXE);
  g_assert_cmpuint (hg_ctys_import_get_unmapped (imp)->len, ==, 0);
}

static void
test_inst010 (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("inst010.ctys");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  g_autofree char *osrel = guest_key (cfg, "os-release");

  g_assert_cmpstr (cfg->label, ==, "inst010");
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_KVM);
  g_assert_cmpstr (cfg->os_name, ==, "debian");
  g_assert_cmpstr (cfg->os_version, ==, "5.0.0");
  g_assert_cmpstr (cfg->os_family, ==, "linux");
  g_assert_cmpstr (osrel, ==, "2.6.26-1-amd64");
  g_assert_cmpstr (first_nic (cfg)->mac, ==, "00:50:56:16:11:0b");
  g_assert_cmpuint (hg_ctys_import_get_unmapped (imp)->len, ==, 0);
}

/* ------------------------------------------------------------------------
 * Shell syntax
 * ------------------------------------------------------------------------ */

static void
test_quotes (void)
{
  g_autoptr(HgCtysImport) imp = parse_string (
    "A='single $NOT `quoted` \\n'\n"
    "B=\"double \\\"q\\\" \\$x \\\\ \\n tab\"\n"
    "C=un\\ quoted\\$\n"
    "export D=exported E=\"$A\"\n"
    "F=value # a comment\n"
    "G=\"multi\n"
    "line\"\n"
    "H=con\\\n"
    "tinued\n"
    "I=a'b'\"c\"d\n"
    "I+=e\n"
    "J=\n"
    "  K=indented\t\n"
    "export L\n");

  g_assert_cmpstr (hg_ctys_import_get_value (imp, "A"), ==, "single $NOT `quoted` \\n");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "B"), ==, "double \"q\" $x \\ \\n tab");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "C"), ==, "un quoted$");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "D"), ==, "exported");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "E"), ==, "single $NOT `quoted` \\n");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "F"), ==, "value");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "G"), ==, "multi\nline");
  g_assert_cmpuint (hg_ctys_import_get_line (imp, "G"), ==, 6);
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "H"), ==, "continued");
  g_assert_cmpuint (hg_ctys_import_get_line (imp, "I"), ==, 11);
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "I"), ==, "abcde");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "J"), ==, "");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "K"), ==, "indented");
  g_assert_null (hg_ctys_import_get_value (imp, "L"));
  /* quoting is fine and single-quoted text is never evaluated */
  g_assert_cmpuint (hg_ctys_import_get_unevaluated (imp)->len, ==, 0);
  g_assert_cmpuint (hg_ctys_import_get_ignored_lines (imp)->len, ==, 0);
}

static void
test_defaults (void)
{
  g_autoptr(HgCtysImport) imp = parse_string (
    "BASE=/srv/vms\n"
    "HDDBOOTIMAGE=${BASE}/disk.qcow2\n"
    "INSTCDROM=$BASE/iso/install.iso\n"
    "MEMSIZE=${MEMSIZE:-512}\n"
    "APPEND=${APPEND:-\"console=ttyS0 root=/dev/sda1\"}\n"
    "KBD_LAYOUT=${KBD:-${LANGKEY:-de}}\n"
    "SET=${SET:=assigned}\n"
    "ALT=${BASE:+has-base}${NOPE:+never}\n"
    "EMPTY=\n"
    "E1=${EMPTY:-colon}\n"
    "E2=${EMPTY-nocolon}\n"
    "UNKNOWN=${HOME}/x:$USER\n"
    "TRIM=${BASE%/vms}\n"
    "SPECIAL=$1-$$\n");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  GPtrArray *unevaluated = hg_ctys_import_get_unevaluated (imp);
  HgDisk *disk;

  g_assert_cmpstr (hg_ctys_import_get_value (imp, "HDDBOOTIMAGE"), ==, "/srv/vms/disk.qcow2");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "INSTCDROM"), ==, "/srv/vms/iso/install.iso");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "MEMSIZE"), ==, "512");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "APPEND"), ==, "console=ttyS0 root=/dev/sda1");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "KBD_LAYOUT"), ==, "de");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "SET"), ==, "assigned");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "ALT"), ==, "has-base");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "E1"), ==, "colon");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "E2"), ==, "");
  /* not defined in the file: left literally and reported */
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "UNKNOWN"), ==, "${HOME}/x:$USER");
  g_assert_nonnull (find_note_text (unevaluated, "${HOME}"));
  g_assert_nonnull (find_note_text (unevaluated, "$USER"));
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "TRIM"), ==, "${BASE%/vms}");
  g_assert_nonnull (find_note_text (unevaluated, "${BASE%/vms}"));
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "SPECIAL"), ==, "$1-$$");
  g_assert_cmpuint (need_note_text (unevaluated, "$1")->line, ==, 14);

  /* and the mapping sees the resolved values */
  g_assert_cmpuint (cfg->memory_mib, ==, 512);
  g_assert_cmpstr (cfg->append, ==, "console=ttyS0 root=/dev/sda1");
  g_assert_cmpstr (cfg->keymap, ==, "de");
  disk = g_ptr_array_index (cfg->disks, 0);
  g_assert_cmpstr (disk->path, ==, "/srv/vms/disk.qcow2");
  g_assert_cmpstr (disk->format, ==, "qcow2");
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_DISK);
}

static void
test_no_execution (void)
{
  g_autoptr(HgCtysImport) imp = NULL;
  g_autoptr(HgVmConfig) cfg = NULL;
  GPtrArray *unevaluated, *ignored;
  g_autofree char *report = NULL;
  HgMedium *cd;

  g_unlink (PWNED);
  g_assert_false (g_file_test (PWNED, G_FILE_TEST_EXISTS));

  imp = parse_fixture ("hostile.ctys");
  cfg = config_of (imp);
  report = hg_ctys_import_format_report (imp);

  /* nothing ran: not during parsing, mapping or reporting */
  g_assert_false (g_file_test (PWNED, G_FILE_TEST_EXISTS));

  /* substitutions kept literally, and reported with their line */
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "INSTCDROM"), ==, "$(touch /tmp/hg-ctys-pwned)");
  g_assert_cmpstr (hg_ctys_import_get_value (imp, "APPEND"), ==,
                   "console=ttyS0 `touch /tmp/hg-ctys-pwned`");
  cd = hg_vm_config_get_medium (cfg, HG_MEDIUM_CDROM);
  g_assert_cmpstr (cd->path, ==, "$(touch /tmp/hg-ctys-pwned)");
  g_assert_cmpstr (cfg->append, ==, "console=ttyS0 `touch /tmp/hg-ctys-pwned`");

  unevaluated = hg_ctys_import_get_unevaluated (imp);
  g_assert_cmpuint (need_note (unevaluated, "INSTCDROM")->line, ==, 12);
  g_assert_cmpstr (need_note (unevaluated, "INSTCDROM")->text, ==, "$(touch /tmp/hg-ctys-pwned)");
  g_assert_cmpuint (need_note (unevaluated, "APPEND")->line, ==, 13);
  g_assert_cmpuint (need_note (unevaluated, "QEMUBIOS")->line, ==, 16);

  /* the command, the if-block, the function, && and the here-document are
   * ignored -- and the assignments inside them do not count */
  ignored = hg_ctys_import_get_ignored_lines (imp);
  g_assert_cmpuint (need_note_text (ignored, "touch /tmp/hg-ctys-pwned")->line, ==, 17);
  g_assert_nonnull (find_note_text (ignored, "if [ -z"));
  g_assert_nonnull (find_note_text (ignored, "CPU=qemu64"));
  g_assert_nonnull (find_note_text (ignored, "function setup"));
  g_assert_nonnull (find_note_text (ignored, "MEMSIZE=8192"));
  g_assert_nonnull (find_note_text (ignored, "cat > /tmp/hg-ctys-pwned"));
  g_assert_null (hg_ctys_import_get_value (imp, "CPU"));
  g_assert_null (cfg->cpu_model);
  g_assert_cmpuint (cfg->memory_mib, ==, 256);   /* ${MEMSIZE:-256}, nothing else */

  /* what surrounds them is read normally */
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_TCG);  /* export ACCELERATOR=QEMU */
  g_assert_cmpstr (cfg->arch, ==, "x86_64");
  g_assert_cmpuint (cfg->cpus, ==, 2);            /* SMP=2; NIC=e1000 */
  g_assert_cmpstr (first_nic (cfg)->model, ==, "e1000");
  g_assert_cmpstr (cfg->keymap, ==, "de");
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (cfg->disks, 0))->path, ==, "/srv/vm/hostile.qcow2");

  /* #@# metadata: label and uuid taken, the rest reported and kept */
  g_assert_cmpstr (cfg->label, ==, "hostile");
  g_assert_cmpstr (cfg->uuid, ==, "01234567-89ab-cdef-0123-456789abcdef");
  g_assert_nonnull (find_note (hg_ctys_import_get_unmapped (imp), "#@#VNCPORT"));
  g_assert_nonnull (find_note (hg_ctys_import_get_unmapped (imp), "BASE"));

  g_assert_nonnull (strstr (report, "line 12: INSTCDROM: $(touch /tmp/hg-ctys-pwned) — command substitution is never run"));
  g_assert_nonnull (strstr (report, "line 17: touch /tmp/hg-ctys-pwned"));
  g_assert_false (g_file_test (PWNED, G_FILE_TEST_EXISTS));
}

static void
test_ignored_lines (void)
{
  g_autoptr(HgCtysImport) imp = parse_string (
    "MEMSIZE=64\n"                         /* 1 */
    "echo hello\n"                         /* 2 */
    "MEMSIZE=128 ./run\n"                  /* 3: env of a command only */
    "case $X in\n"                         /* 4 */
    "  a) MEMSIZE=1;;\n"                   /* 5 */
    "esac\n"                               /* 6 */
    "for i in 1 2; do MEMSIZE=$i; done\n"  /* 7 */
    "f() {\n"                              /* 8 */
    "  MEMSIZE=2\n"                        /* 9 */
    "}\n"                                  /* 10 */
    "{ MEMSIZE=3; }\n"                     /* 11 */
    "SMP=4 &\n"                            /* 12 */
    "ARR=(a b)\n"                          /* 13 */
    "CPU=pentium\n");                      /* 14 */
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  GPtrArray *ignored = hg_ctys_import_get_ignored_lines (imp);
  guint lines[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };

  g_assert_cmpuint (ignored->len, ==, G_N_ELEMENTS (lines));
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_assert_cmpuint (((HgCtysNote *) g_ptr_array_index (ignored, i))->line, ==, lines[i]);

  g_assert_cmpuint (cfg->memory_mib, ==, 64);
  g_assert_cmpstr (cfg->cpu_model, ==, "pentium");
  g_assert_null (hg_ctys_import_get_value (imp, "SMP"));
}

/* Debian's release architectures that Hangar boots (tests/test-arches.c)
 * are imported, under Debian's name or QEMU's */
static void
test_debian_arches (void)
{
  static const char *arches[][2] = {
    { "s390x", "s390x" }, { "mips64el", "mips64el" }, { "armhf", "arm" }, { "ppc64el", "ppc64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (arches); i++)
    {
      g_autofree char *text = g_strdup_printf ("ARCH=%s\nMEMSIZE=256\n", arches[i][0]);
      g_autoptr(HgCtysImport) imp = parse_string (text);
      g_autoptr(HgVmConfig) cfg = config_of (imp);

      g_assert_cmpstr (cfg->arch, ==, arches[i][1]);
    }
}

static void
test_mapping_details (void)
{
  g_autoptr(HgCtysImport) imp = parse_string (
    "STARTERCALL=kvm\n"
    "ARCH=i686\n"
    "MEMSIZE=2G\n"
    "SMP=2,cores=2\n"
    "MAC0=00-50-56-AA-BB-CC\n"
    "MAC1=01:00:5e:00:00:01\n"
    "NIC=virtio\n"
    "VGA_DRIVER=\"-vga cirrus\"\n"
    "CONSOLE=VNC\n"
    "BOOTMODE=VHDD\n"
    "INSTMODE=CD%default%HDD%default%init\n"
    "HDDBOOTIMAGE=/vm/x.vmdk\n"
    "HDB=/vm/data.img\n"
    "FDDIMAGE=/vm/boot.flp\n"
    "USBBOOTIMAGE=/dev/sdg\n"
    "UUID=not-a-uuid\n"
    "QEMUSOCK=/var/tmp/vde_switch0.$USER\n");
  g_autoptr(HgVmConfig) cfg = config_of (imp);
  GPtrArray *unmapped = hg_ctys_import_get_unmapped (imp);
  HgNic *nic;

  g_assert_cmpstr (cfg->arch, ==, "x86_64");         /* the emulator wins over ARCH */
  g_assert_cmpint (cfg->accel, ==, HG_ACCEL_KVM);    /* STARTERCALL=kvm */
  g_assert_cmpuint (cfg->memory_mib, ==, 2048);
  g_assert_cmpuint (cfg->cpus, ==, 2);
  g_assert_cmpuint (cfg->nics->len, ==, 2);
  nic = first_nic (cfg);
  g_assert_cmpstr (nic->mac, ==, "00:50:56:aa:bb:cc");
  g_assert_cmpstr (nic->model, ==, "virtio-net-pci");
  /* a multicast MAC is refused, reported, and replaced */
  nic = g_ptr_array_index (cfg->nics, 1);
  g_assert_true (hg_mac_is_valid (nic->mac));
  g_assert_nonnull (find_note (unmapped, "MAC1"));
  g_assert_cmpstr (cfg->vga, ==, "cirrus");
  g_assert_cmpint (cfg->console, ==, HG_CONSOLE_VNC);
  g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_DISK);
  g_assert_cmpuint (cfg->disks->len, ==, 2);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (cfg->disks, 0))->format, ==, "vmdk");
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (cfg->disks, 1))->format, ==, "raw");
  g_assert_cmpstr (need_medium (cfg, HG_MEDIUM_FLOPPY)->path, ==, "/vm/boot.flp");
  g_assert_cmpstr (need_medium (cfg, HG_MEDIUM_USB)->path, ==, "/dev/sdg");
  /* an invalid UUID is reported; the VM keeps a fresh one */
  g_assert_true (g_uuid_string_is_valid (cfg->uuid));
  g_assert_nonnull (find_note (unmapped, "UUID"));
  g_assert_cmpuint (need_note (unmapped, "QEMUSOCK")->line, ==, 17);
}

static void
test_boot_modes (void)
{
  static const struct { const char *ctys; HgBootMode mode; } cases[] = {
    { "VHDD", HG_BOOT_DISK },   { "HDD", HG_BOOT_DISK },    { "INSTALL", HG_BOOT_CDROM },
    { "CD", HG_BOOT_CDROM },    { "DVD", HG_BOOT_CDROM },   { "PXE", HG_BOOT_PXE },
    { "KERNEL", HG_BOOT_KERNEL }, { "FDD", HG_BOOT_FLOPPY }, { "usb", HG_BOOT_USB },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("BOOTMODE=%s\n", cases[i].ctys);
      g_autoptr(HgCtysImport) imp = parse_string (text);
      g_autoptr(HgVmConfig) cfg = config_of (imp);

      g_assert_cmpint (cfg->boot_mode, ==, cases[i].mode);
    }

  {
    g_autoptr(HgCtysImport) imp = parse_string ("INSTMODE=FDD%none%USB%/dev/sdg%init\n");
    g_autoptr(HgVmConfig) cfg = config_of (imp);

    g_assert_cmpint (cfg->boot_mode, ==, HG_BOOT_FLOPPY);
  }
  {
    g_autoptr(HgCtysImport) imp = parse_string ("BOOTMODE=TAPE\n");
    g_autoptr(HgVmConfig) cfg = config_of (imp);

    g_assert_nonnull (find_note (hg_ctys_import_get_unmapped (imp), "BOOTMODE"));
  }
}

static void
test_image_format_sniffing (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
  g_autofree char *img = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *ctys = g_build_filename (dir, "sniff.ctys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = NULL;
  g_autoptr(HgVmConfig) cfg = NULL;
  const char magic[16] = "QFI\xfb\0\0\0\3";

  /* the manual's own recipe: qemu-img create -f qcow2 disk.img 5G */
  g_assert_true (g_file_set_contents (img, magic, sizeof magic, NULL));
  g_assert_true (g_file_set_contents (ctys, "HDDBOOTIMAGE=disk.img\n", -1, NULL));
  imp = hg_ctys_parse_file (ctys, &error);
  g_assert_no_error (error);
  cfg = config_of (imp);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (cfg->disks, 0))->path, ==, img);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (cfg->disks, 0))->format, ==, "qcow2");
  rm_rf (dir);
}

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

static void
assert_parse_error (const char *data,
                    gssize      length,
                    gint        code,
                    const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = hg_ctys_parse_data (data, length, "bad.ctys", &error);

  if (imp != NULL)
    g_error ("parsing succeeded, expected “%s”", message_part);
  g_assert_error (error, HG_CTYS_ERROR, code);
  if (strstr (error->message, message_part) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message_part);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(HgCtysImport) imp = NULL;

  assert_parse_error ("A=1\nB='open\n", -1, HG_CTYS_ERROR_SYNTAX, "bad.ctys:2: unterminated single quote");
  assert_parse_error ("A=\"open\n\n", -1, HG_CTYS_ERROR_SYNTAX, "bad.ctys:1: unterminated double quote");
  assert_parse_error ("\nA=$(echo\n", -1, HG_CTYS_ERROR_SYNTAX, "bad.ctys:2: unterminated $(");
  assert_parse_error ("A=${B:-x\n", -1, HG_CTYS_ERROR_SYNTAX, "bad.ctys:1: unterminated ${");
  assert_parse_error ("A=`date\n", -1, HG_CTYS_ERROR_SYNTAX, "bad.ctys:1: unterminated backtick");
  assert_parse_error ("A=1\nB=\xff\xfe\n", -1, HG_CTYS_ERROR_ENCODING, "bad.ctys:2: invalid UTF-8");
  assert_parse_error ("A=1\nB=x\0y\n", 9, HG_CTYS_ERROR_ENCODING, "bad.ctys:2: NUL");

  big = g_malloc (HG_CTYS_MAX_SIZE + 2);
  memset (big, 'x', HG_CTYS_MAX_SIZE + 1);
  memcpy (big, "A=", 2);
  big[HG_CTYS_MAX_SIZE + 1] = '\0';
  assert_parse_error (big, -1, HG_CTYS_ERROR_TOO_LARGE, "bad.ctys");
  /* a 10 MB value, as a file: refused before it is read whole */
  lines = g_strnfill (HG_CTYS_MAX_LINES + 2, '\n');
  lines[0] = 'A';
  assert_parse_error (lines, -1, HG_CTYS_ERROR_TOO_LARGE, "lines");

  /* a ${ nested too deeply does not exhaust the stack */
  {
    g_autoptr(GString) deep = g_string_new ("A=");

    for (guint i = 0; i < 100000; i++)
      g_string_append (deep, "$(");
    assert_parse_error (deep->str, -1, HG_CTYS_ERROR_SYNTAX, "nested too deeply");
  }

  imp = hg_ctys_parse_file ("/nonexistent/tst999.ctys", &error);
  g_assert_null (imp);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/tst999.ctys"));
  g_clear_error (&error);

  imp = hg_ctys_parse_file ("/", &error);
  g_assert_null (imp);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO);
}

/* Variables that double each other (437 bytes made a 1.3 GB config): the
 * expansion is bounded, and the file is refused at the line that passes the
 * bound, before anything is written. */
static void
test_expansion_bounds (void)
{
  g_autofree char *path = fixture ("doubling.ctys");
  g_autofree char *where = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = NULL;
  guint line = 2;  /* V0=xx: 2 bytes, Vn: 2^(n+1) bytes on line n + 2 */

  for (gsize len = 2; len <= HG_CTYS_MAX_VALUE; len *= 2)
    line++;
  imp = hg_ctys_parse_file (path, &error);
  g_assert_null (imp);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE);
  where = g_strdup_printf ("%s:%u:", path, line);
  if (!g_str_has_prefix (error->message, where))
    g_error ("“%s” does not start with “%s”", error->message, where);
  g_assert_nonnull (strstr (error->message, "V"));
  g_clear_error (&error);

  /* doubling by appending, and through a default value */
  {
    g_autoptr(GString) data = g_string_new ("A=xxxxxxxx\n");
    g_autofree char *at = NULL;

    line = 1;  /* 8 bytes on line 1, 8 * 2^k on line k + 1 */
    for (gsize len = 8; len <= HG_CTYS_MAX_VALUE; len *= 2)
      line++;
    at = g_strdup_printf ("bad.ctys:%u:", line);
    for (guint i = 0; i < 40; i++)
      g_string_append (data, "A+=$A\n");
    assert_parse_error (data->str, -1, HG_CTYS_ERROR_TOO_LARGE, at);
    g_string_assign (data, "A=xxxxxxxx\n");
    for (guint i = 0; i < 40; i++)
      g_string_append (data, "A=${UNSET:-$A$A}\n");
    assert_parse_error (data->str, -1, HG_CTYS_ERROR_TOO_LARGE, at);
    g_string_assign (data, "A=xxxxxxxx\n");
    for (guint i = 0; i < 40; i++)
      g_string_append (data, "B=${B:=$A}$A\nA=$B$B\n");
    assert_parse_error (data->str, -1, HG_CTYS_ERROR_TOO_LARGE, "bad.ctys:");
  }

  /* many small values: the sum is bounded too */
  {
    g_autoptr(GString) data = g_string_new ("A=");

    for (guint i = 0; i < HG_CTYS_MAX_VALUE / 2; i++)
      g_string_append_c (data, 'x');
    g_string_append_c (data, '\n');
    for (guint i = 0; i < 2000; i++)
      g_string_append_printf (data, "B%u=$A$A\n", i);
    assert_parse_error (data->str, -1, HG_CTYS_ERROR_TOO_LARGE, "expanded");
  }

  /* and so is the number of expansions, even of empty variables */
  {
    g_autoptr(GString) data = g_string_new ("E=\nB=");

    for (guint i = 0; i <= HG_CTYS_MAX_EXPANSIONS; i++)
      g_string_append (data, "$E");
    g_string_append_c (data, '\n');
    assert_parse_error (data->str, -1, HG_CTYS_ERROR_TOO_LARGE, "bad.ctys:2:");
  }

  /* values each within the bound that together make a config larger than
   * one may be: refused before anything is written, naming the largest */
  {
    g_autoptr(GString) data = g_string_new ("A=");
    g_autoptr(HgCtysImport) big = NULL;
    g_autofree char *base = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
    g_autoptr(GDir) dir = NULL;

    for (guint i = 0; i < 60000; i++)
      g_string_append_c (data, 'x');
    g_string_append (data, "\nLABEL=big\n");
    for (guint i = 0; i < 25; i++)
      g_string_append_printf (data, "X%u=\"$A\"\n", i);
    big = hg_ctys_parse_data (data->str, -1, "big.ctys", &error);
    g_assert_no_error (error);
    g_assert_false (hg_ctys_import_write (big, base, NULL, &error));
    g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE);
    g_assert_true (g_str_has_prefix (error->message, "big.ctys:1:"));
    g_assert_nonnull (strstr (error->message, "A"));
    g_clear_error (&error);
    dir = g_dir_open (base, 0, NULL);
    g_assert_null (g_dir_read_name (dir));
    rm_rf (base);
  }

  /* a value just within the bound is kept whole */
  {
    g_autoptr(GString) data = g_string_new ("A=");
    g_autoptr(HgCtysImport) ok = NULL;

    for (guint i = 0; i < HG_CTYS_MAX_VALUE / 4; i++)
      g_string_append_c (data, 'x');
    g_string_append (data, "\nB=$A$A$A$A\n");
    ok = hg_ctys_parse_data (data->str, -1, "ok.ctys", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (hg_ctys_import_get_value (ok, "B")), ==, HG_CTYS_MAX_VALUE);
  }
}

static void
test_huge_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.ctys", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = NULL;
  g_autofree char *value = g_strnfill (10 * 1000 * 1000, 'v');

  memcpy (value, "A=", 2);
  g_assert_true (g_file_set_contents (path, value, -1, NULL));
  imp = hg_ctys_parse_file (path, &error);
  g_assert_null (imp);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, path));
  rm_rf (dir);
}

static void
test_label (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = hg_ctys_parse_data ("LABEL='bad label'\nMEMSIZE=64\n", -1,
                                                    "/tmp/-x.ctys", &error);
  g_autoptr(HgVmConfig) cfg = NULL;

  g_assert_no_error (error);
  /* neither LABEL nor the file name is a valid label */
  cfg = hg_ctys_import_to_config (imp, &error);
  g_assert_null (cfg);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL);
  g_assert_nonnull (strstr (error->message, "/tmp/-x.ctys"));
  g_clear_error (&error);
  g_assert_nonnull (find_note (hg_ctys_import_get_unmapped (imp), "LABEL"));

  g_assert_false (hg_ctys_import_set_label (imp, "../evil", &error));
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL);
  g_clear_error (&error);

  g_assert_true (hg_ctys_import_set_label (imp, "good", &error));
  g_assert_no_error (error);
  cfg = config_of (imp);
  g_assert_cmpstr (cfg->label, ==, "good");
  g_assert_cmpuint (cfg->memory_mib, ==, 64);

  /* LABEL in the file wins over the file name */
  {
    g_autoptr(HgCtysImport) imp2 = hg_ctys_parse_data ("LABEL=inner\n", -1, "/x/outer.ctys", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (hg_ctys_import_get_label (imp2), ==, "inner");
  }
}

/* ------------------------------------------------------------------------
 * Writing a VM
 * ------------------------------------------------------------------------ */

static void
test_write_beside (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
  g_autofree char *vmdir = g_build_filename (tmp, "tst324", NULL);
  g_autofree char *ctys = copy_fixture_to ("tst324.ctys", vmdir);
  g_autofree char *expected = g_build_filename (vmdir, "tst324.hangar", NULL);
  g_autofree char *written = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = hg_ctys_parse_file (ctys, &error);
  g_autoptr(HgCtysImport) again = NULL;
  g_autoptr(HgVmConfig) loaded = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_assert_no_error (error);
  /* ctys layout: <label>/<label>.ctys -> <label>/<label>.hangar beside it */
  g_assert_true (hg_ctys_import_write (imp, NULL, &written, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (written, ==, expected);

  g_assert_true (g_key_file_load_from_file (kf, written, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  {
    g_autofree char *blocks = g_key_file_get_string (kf, "ctys", "HDDBOOTIMAGE_INST_BLOCKCOUNT", NULL);
    g_autofree char *from = g_key_file_get_string (kf, "ctys", "imported-from", NULL);
    g_autofree char *ip = g_key_file_get_string (kf, "guest", "ip", NULL);

    g_assert_cmpstr (blocks, ==, "8");
    g_assert_cmpstr (from, ==, ctys);
    g_assert_cmpstr (ip, ==, "172.20.6.24");
  }
  g_assert_true (g_file_get_contents (written, &contents, NULL, NULL));

  loaded = hg_vm_config_load (written, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->label, ==, "tst324");
  g_assert_cmpstr (loaded->arch, ==, "arm");
  g_assert_cmpuint (loaded->memory_mib, ==, 128);
  /* image paths inside the VM directory are relative: it can be moved */
  g_assert_cmpstr (loaded->kernel, ==, "zImage.integrator");
  g_assert_cmpstr (loaded->initrd, ==, "arm_root.img");
  g_assert_cmpint (loaded->boot_mode, ==, HG_BOOT_KERNEL);
  g_assert_cmpuint (loaded->disks->len, ==, 1);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (loaded->disks, 0))->path, ==, "tst324.img");
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (loaded->disks, 0))->format, ==, "raw");
  g_assert_cmpstr (first_nic (loaded)->mac, ==, "00:50:56:13:13:19");

  /* a second import never replaces the VM */
  again = hg_ctys_parse_file (ctys, &error);
  g_assert_no_error (error);
  g_assert_false (hg_ctys_import_write (again, NULL, NULL, &error));
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, expected));
  g_clear_error (&error);
  {
    g_autofree char *now = NULL;

    g_assert_true (g_file_get_contents (written, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, contents);
  }

  rm_rf (tmp);
}

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* An import builds its directory beside the target and renames it into
 * place: a write that fails (here: the file size limit, as a full disk
 * would) leaves nothing in the base, and the label stays free. */
static void
test_write_atomic (void)
{
  g_autofree char *base = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst323.ctys");
  struct rlimit saved, small;
  gboolean ok;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  small = saved;
  small.rlim_cur = 16;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  ok = hg_ctys_import_write (imp, base, &written, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_false (ok);
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "tst323.hangar"));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (base), ==, 0);

  /* nothing blocks the label, not even what a killed import leaves (its
   * hidden temporary directory, for the library scan to clear): the same
   * import now succeeds */
  {
    g_autofree char *left = g_build_filename (base, ".tst323.tmp-K1LL9D", NULL);

    g_assert_cmpint (g_mkdir (left, 0700), ==, 0);
    g_assert_true (hg_ctys_import_write (imp, base, &written, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (count_entries (base), ==, 2);
    g_assert_cmpint (g_rmdir (left), ==, 0);
  }
  {
    g_autofree char *vm_dir = g_path_get_dirname (written);
    GStatBuf st;

    g_assert_cmpuint (count_entries (vm_dir), ==, 1);
    g_assert_cmpint (g_stat (vm_dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  }

  /* a second import of the same label is refused, and leaves nothing */
  g_clear_pointer (&written, g_free);
  g_assert_false (hg_ctys_import_write (imp, base, &written, &error));
  g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (base), ==, 1);
  rm_rf (base);
}

static void
test_write_base (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);
  g_autofree char *base = g_build_filename (tmp, "library", NULL);
  g_autofree char *expected = g_build_filename (base, "tst323", "tst323.hangar", NULL);
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst323.ctys");
  g_autoptr(HgVmConfig) loaded = NULL;
  g_autofree char *ip = NULL;

  g_assert_true (hg_ctys_import_write (imp, base, &written, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (written, ==, expected);

  loaded = hg_vm_config_load (written, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->label, ==, "tst323");
  g_assert_cmpint (loaded->boot_mode, ==, HG_BOOT_CDROM);
  g_assert_cmpstr (need_medium (loaded, HG_MEDIUM_CDROM)->path, ==,
                   "/mntn/swpool/miscOS/QNX/6.4.0/raw/qnxsdp-6.4.0-200810211530-dvd.iso");
  ip = g_key_file_get_string (hg_vm_config_get_keyfile (loaded), "guest", "ip", NULL);
  g_assert_cmpstr (ip, ==, "172.20.6.23");

  /* no temporary files are left behind */
  {
    g_autofree char *vmdir = g_path_get_dirname (written);
    g_autoptr(GDir) dir = g_dir_open (vmdir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (dir) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
  }

  /* data without a file must be given a base */
  {
    g_autoptr(HgCtysImport) data = hg_ctys_parse_data ("LABEL=x\n", -1, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (hg_ctys_import_write (data, NULL, NULL, &error));
    g_assert_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_IO);
    g_clear_error (&error);
  }
  rm_rf (tmp);
}

static void
test_write_all_examples (void)
{
  const char *names[] = { "tst323", "tst324", "tst325", "tst488", "inst010", "hostile" };
  g_autofree char *tmp = g_dir_make_tmp ("hg-ctys-XXXXXX", NULL);

  g_unlink (PWNED);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strconcat (names[i], ".ctys", NULL);
      g_autoptr(HgCtysImport) imp = parse_fixture (file);
      g_autoptr(GError) error = NULL;
      g_autofree char *written = NULL;
      g_autoptr(HgVmConfig) loaded = NULL;

      if (!hg_ctys_import_write (imp, tmp, &written, &error))
        g_error ("%s: %s", file, error->message);
      loaded = hg_vm_config_load (written, &error);
      if (loaded == NULL)
        g_error ("%s: %s", written, error->message);
      g_assert_cmpstr (loaded->label, ==, names[i]);
    }
  g_assert_false (g_file_test (PWNED, G_FILE_TEST_EXISTS));
  rm_rf (tmp);
}

static void
test_report (void)
{
  g_autoptr(HgCtysImport) imp = parse_fixture ("tst325.ctys");
  g_autofree char *report = hg_ctys_import_format_report (imp);
  g_autoptr(HgCtysImport) clean = parse_fixture ("inst010.ctys");
  g_autofree char *clean_report = hg_ctys_import_format_report (clean);

  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "tst325.ctys"));
  g_assert_nonnull (strstr (report, "“tst325”"));
  g_assert_nonnull (strstr (report, "m68k"));
  g_assert_nonnull (strstr (report, "line 16: HDDBOOTIMAGE_INST_BLOCKCOUNT=8"));
  g_assert_nonnull (strstr (report, "line 8: MAC=00:50:56:13:13:1a"));
  g_assert_nonnull (strstr (report, "[ctys]"));

  g_test_message ("%s", clean_report);
  g_assert_nonnull (strstr (clean_report, "Every variable in the file was taken over"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/ctys/manual/tst323", test_tst323);
  g_test_add_func ("/hangar/ctys/manual/tst324", test_tst324);
  g_test_add_func ("/hangar/ctys/manual/tst325", test_tst325);
  g_test_add_func ("/hangar/ctys/manual/tst488", test_tst488);
  g_test_add_func ("/hangar/ctys/manual/inst010", test_inst010);
  g_test_add_func ("/hangar/ctys/syntax/quotes", test_quotes);
  g_test_add_func ("/hangar/ctys/syntax/defaults", test_defaults);
  g_test_add_func ("/hangar/ctys/syntax/ignored-lines", test_ignored_lines);
  g_test_add_func ("/hangar/ctys/no-execution", test_no_execution);
  g_test_add_func ("/hangar/ctys/mapping/details", test_mapping_details);
  g_test_add_func ("/hangar/ctys/mapping/debian-arches", test_debian_arches);
  g_test_add_func ("/hangar/ctys/mapping/boot-modes", test_boot_modes);
  g_test_add_func ("/hangar/ctys/mapping/image-format", test_image_format_sniffing);
  g_test_add_func ("/hangar/ctys/errors", test_errors);
  g_test_add_func ("/hangar/ctys/errors/huge-file", test_huge_file);
  g_test_add_func ("/hangar/ctys/errors/expansion-bounds", test_expansion_bounds);
  g_test_add_func ("/hangar/ctys/label", test_label);
  g_test_add_func ("/hangar/ctys/write/beside", test_write_beside);
  g_test_add_func ("/hangar/ctys/write/base", test_write_base);
  g_test_add_func ("/hangar/ctys/write/atomic", test_write_atomic);
  g_test_add_func ("/hangar/ctys/write/all-examples", test_write_all_examples);
  g_test_add_func ("/hangar/ctys/report", test_report);

  return g_test_run ();
}
