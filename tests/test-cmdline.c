/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-cmdline.h"

/* Golden files in the style of libvirt's qemuxml2argvtest:
 *   tests/data/cmdline/<case>.hangar  ->  <case>.args  (one argument a line)
 * A case whose command cannot be built has "error: CODE: message" instead.
 * HANGAR_REGENERATE_GOLDEN=1 rewrites the .args files.
 * The runtime root is fixed, the VM directory is /srv/vms/<label>, and the
 * host caps are hg_host_caps_new_fixed(): FALSE, or TRUE for cases named
 * kvm-*.  The images are given as checked (what a start hands over): each
 * disk and medium its configured file and format, plus the backing layers
 * a [disk:N] lists in the test-only key x-test-backing=FORMAT:PATH;...
 * What the emulators offer comes from the capabilities recorded under
 * tests/data/qemu-caps/ (test-qemu-caps.c regenerates them), never from the
 * host's cache: XDG_CACHE_HOME is an empty directory here. */

#define RUNTIME_ROOT "/run/user/1000/hangar"

static int
strcmp_ptr (gconstpointer a,
            gconstpointer b,
            gpointer      user_data)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static const char *
error_code_name (int code)
{
  switch (code)
    {
    case HG_CMDLINE_ERROR_NO_EMULATOR: return "NO_EMULATOR";
    case HG_CMDLINE_ERROR_UNSUPPORTED: return "UNSUPPORTED";
    case HG_CMDLINE_ERROR_MISSING: return "MISSING";
    case HG_CMDLINE_ERROR_INVALID: return "INVALID";
    default: return "?";
    }
}

static char *
data_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "cmdline", NULL);
}

/* Loads a case with its directory pinned to /srv/vms/<label>. */
static HgVmConfig *
load_case (const char *name)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *file = g_strconcat (name, ".hangar", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;
  HgVmConfig *config;

  config = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_free (config->dir);
  config->dir = g_build_filename ("/srv/vms", config->label, NULL);
  g_free (config->path);
  config->path = g_build_filename (config->dir, file, NULL);
  return config;
}

static HgDiskImageLayer *
layer_new (const char *filename,
           const char *format)
{
  HgDiskImageLayer *layer = g_new0 (HgDiskImageLayer, 1);

  layer->filename = g_strdup (filename);
  layer->format = g_strdup (format);
  return layer;
}

static HgDiskImageInfo *
chain_new (HgVmConfig *config,
           const char *path,
           const char *format)
{
  HgDiskImageInfo *info = g_new0 (HgDiskImageInfo, 1);
  g_autofree char *abs = hg_vm_config_resolve_path (config, path);

  info->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
  g_ptr_array_add (info->layers, layer_new (abs, format));
  return info;
}

/* The images as hg_vm_images_check() would give them, without I/O */
static HgVmImages *
checked_images (HgVmConfig *config)
{
  GKeyFile *kf = hg_vm_config_get_keyfile (config);
  HgVmImages *images = g_new0 (HgVmImages, 1);

  images->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_info_free);
  images->media = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_info_free);
  for (guint i = 0; i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      HgDiskImageInfo *info = chain_new (config, disk->path, disk->format);
      g_auto(GStrv) backing = NULL;

      if (disk->group != NULL)
        backing = g_key_file_get_string_list (kf, disk->group, "x-test-backing", NULL, NULL);
      for (guint k = 0; backing != NULL && backing[k] != NULL; k++)
        {
          g_auto(GStrv) fp = g_strsplit (backing[k], ":", 2);
          g_autofree char *abs = hg_vm_config_resolve_path (config, fp[1]);

          g_ptr_array_add (info->layers, layer_new (abs, fp[0]));
        }
      g_ptr_array_add (images->disks, info);
    }
  for (guint i = 0; i < config->media->len; i++)
    {
      HgMedium *m = g_ptr_array_index (config->media, i);

      g_ptr_array_add (images->media, m->path != NULL && *m->path != '\0'
                                        ? chain_new (config, m->path, m->format ? m->format : "raw")
                                        : NULL);
    }
  return images;
}

/* The recorded capabilities (tests/data/qemu-caps/<arch>.json) into caps */
static void
add_recorded_qemu_caps (HgHostCaps *caps)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "qemu-caps", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autoptr(HgQemuCaps) qemu = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_str_has_suffix (entry, ".json"))
        continue;
      qemu = hg_qemu_caps_new_from_file (path, &error);
      g_assert_no_error (error);
      hg_host_caps_set_qemu_caps (caps, hg_qemu_caps_get_arch (qemu), qemu);
    }
}

/* Debian 12's firmware descriptors (tests/data/firmware/debian), parsed
 * without looking for their files: the goldens do not need ovmf installed */
static void
add_recorded_firmware (HgHostCaps *caps)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "firmware", "debian", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort_with_data (names, (GCompareDataFunc) strcmp_ptr, NULL);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, (char *) g_ptr_array_index (names, i), NULL);
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 0;
      HgFirmware *fw;

      g_file_get_contents (path, &data, &length, &error);
      g_assert_no_error (error);
      fw = hg_firmware_parse (data, (gssize) length, path, &error);
      g_assert_no_error (error);
      g_ptr_array_add (caps->firmwares, fw);
    }
}

static char *
render_case (const char *name)
{
  g_autoptr(HgVmConfig) config = load_case (name);
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (g_str_has_prefix (name, "kvm-"));
  g_autoptr(HgRuntimePaths) runtime = NULL;
  g_autoptr(HgVmImages) images = checked_images (config);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  GString *out = g_string_new (NULL);

  add_recorded_qemu_caps (caps);
  add_recorded_firmware (caps);
  runtime = hg_runtime_paths_new (RUNTIME_ROOT, config->uuid ? config->uuid : config->label);
  argv = hg_cmdline_build (config, config->boot_mode, runtime, caps, images, &error);
  if (argv == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == HG_CMDLINE_ERROR);
      g_string_append_printf (out, "error: %s: %s\n", error_code_name (error->code),
                              error->message);
    }
  else
    {
      g_assert_no_error (error);
      for (guint i = 0; argv[i] != NULL; i++)
        {
          /* one argument a line: an argument with a newline would be ambiguous */
          g_assert_null (strchr (argv[i], '\n'));
          g_string_append_printf (out, "%s\n", argv[i]);
        }
    }
  return g_string_free (out, FALSE);
}

static void
test_golden (gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = data_dir ();
  g_autofree char *file = g_strconcat (name, ".args", NULL);
  g_autofree char *expected_path = g_build_filename (dir, file, NULL);
  g_autofree char *actual = render_case (name);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (g_getenv ("HANGAR_REGENERATE_GOLDEN"), "1") == 0)
    {
      g_file_set_contents (expected_path, actual, -1, &error);
      g_assert_no_error (error);
      return;
    }

  g_file_get_contents (expected_path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (actual, ==, expected);
}

/* ------------------------------------------------------------------ */
/* Unit tests with configs built in C */

static HgVmConfig *
make_config (const char *arch)
{
  HgVmConfig *c = hg_vm_config_new ("unit");

  g_free (c->arch);
  c->arch = g_strdup (arch);
  g_free (c->uuid);
  c->uuid = g_strdup ("11111111-2222-3333-4444-555555555555");
  g_free (c->dir);
  c->dir = g_strdup ("/srv/vms/unit");
  c->memory_mib = 256;
  c->cpus = 1;
  return c;
}

static GStrv
build (HgVmConfig *c,
       HgBootMode  mode,
       gboolean    kvm,
       GError    **error)
{
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (kvm);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (RUNTIME_ROOT, "unit");

  return hg_cmdline_build (c, mode, runtime, caps, NULL, error);
}

static gboolean
argv_has (const char * const *argv,
          const char         *arg)
{
  return g_strv_contains (argv, arg);
}

/* The argument that follows opt whose value starts with prefix */
static const char *
argv_value (const char * const *argv,
            const char         *opt,
            const char         *prefix)
{
  for (guint i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], opt) && g_str_has_prefix (argv[i + 1], prefix))
      return argv[i + 1];
  return NULL;
}

static void
test_escape (void)
{
  g_autofree char *a = hg_cmdline_escape ("a.img,file.locking=off");
  g_autofree char *b = hg_cmdline_escape (",,");
  g_autofree char *c = hg_cmdline_escape ("");

  g_assert_cmpstr (a, ==, "a.img,,file.locking=off");
  g_assert_cmpstr (b, ==, ",,,,");
  g_assert_cmpstr (c, ==, "");
}

static void
test_display (void)
{
  const char *argv[] = { "/usr/bin/qemu-system-x86_64", "-append", "console=ttyS0 quiet",
                         "-drive", "file=/a/$(touch x).img,format=raw", "it's", "", NULL };
  g_autofree char *s = hg_cmdline_to_display (argv);

  g_assert_cmpstr (s, ==, "/usr/bin/qemu-system-x86_64 -append 'console=ttyS0 quiet' "
                          "-drive 'file=/a/$(touch x).img,format=raw' 'it'\\''s' ''");
}

static void
test_default_machines (void)
{
  static const char *expect[][2] = {
    { "i386", "pc" }, { "x86_64", "q35" }, { "arm", "virt" }, { "aarch64", "virt" },
    { "mips", "malta" }, { "mipsel", "malta" }, { "ppc", "mac99" }, { "ppc64", "pseries" },
    { "sh4", "r2d" }, { "m68k", "virt" }, { "alpha", "clipper" }, { "sparc", "SS-5" },
    { "sparc64", "sun4u" }, { "riscv64", "virt" }, { "mips64el", "malta" },
    { "s390x", "s390-ccw-virtio" },
  };
  const char * const *arches = hg_host_known_arches ();

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpstr (hg_cmdline_default_machine (expect[i][0]), ==, expect[i][1]);
  /* Every arch with Hangar's defaults is known; the installed emulators'
   * other targets are known too (asked of QEMU, hg-qemu-caps.h) */
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_true (hg_host_arch_is_known (expect[i][0]));
  for (guint i = 0; arches[i] != NULL; i++)
    g_assert_true (hg_host_arch_is_known (arches[i]));
  g_assert_null (hg_cmdline_default_machine ("vax"));
}

static void
test_hostile_values (void)
{
  g_autoptr(HgVmConfig) c = make_config ("x86_64");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  const char *drive;

  g_ptr_array_add (c->disks, hg_disk_new ("a.img,file.locking=off", "raw", NULL));
  g_ptr_array_add (c->disks, hg_disk_new ("$(touch /tmp/x)`id`.img", "qcow2", "ide"));
  g_ptr_array_add (c->disks, hg_disk_new ("-incoming exec:touch /tmp/x", "raw", "scsi"));
  c->kernel = g_strdup ("-kernel-evil");
  c->append = g_strdup ("-incoming exec:touch /tmp/x `id` $(id)");

  argv = build (c, HG_BOOT_KERNEL, FALSE, &error);
  g_assert_no_error (error);

  /* JSON: a comma is just a character of the file name */
  drive = argv_value ((const char * const *) argv, "-blockdev", "{\"driver\":\"file\",\"node-name\":\"disk0-file\"");
  g_assert_cmpstr (drive, ==, "{\"driver\":\"file\",\"node-name\":\"disk0-file\","
                              "\"filename\":\"/srv/vms/unit/a.img,file.locking=off\"}");
  g_assert_nonnull (argv_value ((const char * const *) argv, "-blockdev",
                                "{\"driver\":\"file\",\"node-name\":\"disk1-file\","
                                "\"filename\":\"/srv/vms/unit/$(touch /tmp/x)`id`.img\"}"));
  /* not checked (NULL images): the qcow2 alone, its backing file not opened */
  g_assert_nonnull (argv_value ((const char * const *) argv, "-blockdev",
                                "{\"driver\":\"qcow2\",\"node-name\":\"disk1\",\"file\":\"disk1-file\","
                                "\"backing\":null}"));
  g_assert_nonnull (argv_value ((const char * const *) argv, "-blockdev",
                                "{\"driver\":\"file\",\"node-name\":\"disk2-file\","
                                "\"filename\":\"/srv/vms/unit/-incoming exec:touch /tmp/x\"}"));
  g_assert_nonnull (argv_value ((const char * const *) argv, "-blockdev",
                                "{\"driver\":\"raw\",\"node-name\":\"disk2\",\"file\":\"disk2-file\"}"));
  g_assert_cmpstr (argv_value ((const char * const *) argv, "-kernel", ""), ==,
                   "/srv/vms/unit/-kernel-evil");
  g_assert_cmpstr (argv_value ((const char * const *) argv, "-append", ""), ==,
                   "-incoming exec:touch /tmp/x `id` $(id)");
  /* nothing became an option of its own */
  g_assert_false (argv_has ((const char * const *) argv, "-incoming"));
  for (guint i = 1; argv[i] != NULL; i++)
    if (argv[i][0] == '-' && !g_str_equal (argv[i - 1], "-append"))
      g_assert_false (strstr (argv[i], "incoming") != NULL);
}

static void
test_refused_values (void)
{
  struct {
    const char *what;
    const char *expect_key;
  } cases[] = {
    { "disk-newline", "[disk:0] path" },
    { "append-newline", "[boot] append" },
    { "initrd-comma", "[boot] initrd" },
    { "bad-mac", "[net:0] mac" },
    { "bad-model", "[net:0] model" },
    { "bad-switch", "[net:0] switch" },
    { "bad-tap", "[net:0] tap" },
    { "relative-no-dir", "[disk:0] path" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HgVmConfig) c = make_config ("x86_64");
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) argv = NULL;
      HgNic *nic = NULL;
      const char *w = cases[i].what;

      c->kernel = g_strdup ("/boot/vmlinuz");
      if (g_str_equal (w, "disk-newline"))
        g_ptr_array_add (c->disks, hg_disk_new ("a\nb.img", "raw", NULL));
      else if (g_str_equal (w, "append-newline"))
        c->append = g_strdup ("console=ttyS0\n-incoming exec:id");
      else if (g_str_equal (w, "initrd-comma"))
        c->initrd = g_strdup ("/boot/initrd,x");
      else if (g_str_equal (w, "relative-no-dir"))
        {
          g_clear_pointer (&c->dir, g_free);
          g_ptr_array_add (c->disks, hg_disk_new ("a.img", "raw", NULL));
        }
      else
        {
          nic = hg_nic_new (HG_NET_USER);
          g_ptr_array_add (c->nics, nic);
          if (g_str_equal (w, "bad-mac"))
            {
              g_free (nic->mac);
              nic->mac = g_strdup ("52:54:00:00:00:00,id=x");
            }
          else if (g_str_equal (w, "bad-model"))
            nic->model = g_strdup ("e1000,romfile=/etc/passwd");
          else if (g_str_equal (w, "bad-switch"))
            {
              nic->mode = HG_NET_VDE;
              g_free (nic->switch_name);
              nic->switch_name = g_strdup ("../../etc");
            }
          else if (g_str_equal (w, "bad-tap"))
            {
              nic->mode = HG_NET_TAP;
              nic->tap = g_strdup ("tap0,script=/bin/sh");
            }
        }

      argv = build (c, HG_BOOT_KERNEL, FALSE, &error);
      g_assert_null (argv);
      g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_INVALID);
      if (strstr (error->message, cases[i].expect_key) == NULL)
        g_error ("%s: error \"%s\" does not name %s", w, error->message, cases[i].expect_key);
    }
}

static void
test_missing_pieces (void)
{
  struct {
    HgBootMode mode;
    const char *key;
  } cases[] = {
    { HG_BOOT_KERNEL, "[boot] kernel" },
    { HG_BOOT_CDROM, "[cdrom:0] path" },
    { HG_BOOT_PXE, "[net:0] mode" },
    { HG_BOOT_FLOPPY, "[floppy:0] path" },
    { HG_BOOT_USB, "[usb:0] path" },
    { HG_BOOT_DISK, "[disk:0] path" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HgVmConfig) c = make_config ("i386");
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) argv = build (c, cases[i].mode, FALSE, &error);

      g_assert_null (argv);
      g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_MISSING);
      g_assert_nonnull (strstr (error->message, cases[i].key));
    }

  /* An empty CD drive is not an install medium either */
  {
    g_autoptr(HgVmConfig) c = make_config ("x86_64");
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) argv = NULL;

    g_ptr_array_add (c->media, hg_medium_new (HG_MEDIUM_CDROM, NULL));
    argv = build (c, HG_BOOT_CDROM, FALSE, &error);
    g_assert_null (argv);
    g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_MISSING);
  }
}

static void
test_accel (void)
{
  g_autoptr(HgVmConfig) c = make_config ("x86_64");
  g_autoptr(HgHostCaps) no_kvm = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgHostCaps) kvm = hg_host_caps_new_fixed (TRUE);
  g_autoptr(GError) error = NULL;
  HgAccel accel;

  c->accel = HG_ACCEL_AUTO;
  g_assert_true (hg_cmdline_choose_accel (c, no_kvm, &accel, &error));
  g_assert_cmpint (accel, ==, HG_ACCEL_TCG);
  g_assert_true (hg_cmdline_choose_accel (c, kvm, &accel, &error));
  g_assert_cmpint (accel, ==, HG_ACCEL_KVM);

  c->accel = HG_ACCEL_KVM;
  g_assert_false (hg_cmdline_choose_accel (c, no_kvm, &accel, &error));
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "[machine] accel"));
  g_assert_nonnull (strstr (error->message, "KVM not usable"));
  g_clear_error (&error);

  /* KVM on an x86_64 host does not run an aarch64 guest */
  g_free (c->arch);
  c->arch = g_strdup ("aarch64");
  g_assert_false (hg_cmdline_choose_accel (c, kvm, &accel, &error));
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "aarch64"));
  g_clear_error (&error);

  /* but it does run i386 */
  g_free (c->arch);
  c->arch = g_strdup ("i386");
  g_assert_true (hg_cmdline_choose_accel (c, kvm, &accel, &error));
  g_assert_cmpint (accel, ==, HG_ACCEL_KVM);

  /* HANGAR_ACCEL=tcg (force_tcg) wins */
  kvm->force_tcg = TRUE;
  g_assert_true (hg_cmdline_choose_accel (c, kvm, &accel, &error));
  g_assert_cmpint (accel, ==, HG_ACCEL_TCG);
}

static void
test_no_emulator (void)
{
  g_autoptr(HgVmConfig) c = make_config ("sparc64");
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (RUNTIME_ROOT, "unit");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;

  c->kernel = g_strdup ("/boot/vmlinuz");
  g_hash_table_remove (caps->emulators, "sparc64");
  argv = hg_cmdline_build (c, HG_BOOT_KERNEL, runtime, caps, NULL, &error);
  g_assert_null (argv);
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_NO_EMULATOR);
  g_assert_nonnull (strstr (error->message, "qemu-system-sparc64"));
}

static void
test_no_sandbox (void)
{
  g_autoptr(HgVmConfig) c = make_config ("x86_64");
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (RUNTIME_ROOT, "unit");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) with = NULL;
  g_auto(GStrv) without = NULL;
  HgEmulator *emu;

  c->kernel = g_strdup ("/boot/vmlinuz");
  with = hg_cmdline_build (c, HG_BOOT_KERNEL, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (argv_has ((const char * const *) with, "-sandbox"));

  emu = g_hash_table_lookup (caps->emulators, "x86_64");
  emu->sandbox = FALSE;
  without = hg_cmdline_build (c, HG_BOOT_KERNEL, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (argv_has ((const char * const *) without, "-sandbox"));
  g_assert_false (argv_has ((const char * const *) without, "-daemonize"));
}

static void
test_vdeq_missing (void)
{
  g_autoptr(HgVmConfig) c = make_config ("x86_64");
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (FALSE);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (RUNTIME_ROOT, "unit");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  HgNic *nic = hg_nic_new (HG_NET_VDE);

  nic->vdeq = TRUE;
  g_ptr_array_add (c->nics, nic);
  c->kernel = g_strdup ("/boot/vmlinuz");
  g_clear_pointer (&caps->vdeq, g_free);
  argv = hg_cmdline_build (c, HG_BOOT_KERNEL, runtime, caps, NULL, &error);
  g_assert_null (argv);
  g_assert_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "vdeq"));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Hyper-V enlightenments for Windows: only under KVM, only those the
 * kernel offers (QEMU refuses the others) */
static void
test_windows_hyperv (void)
{
  g_autoptr(HgVmConfig) c = make_config ("x86_64");
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (TRUE);
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (RUNTIME_ROOT, "unit");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) all = NULL;
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) base = NULL;
  g_auto(GStrv) linux_guest = NULL;

  c->os_id = g_strdup ("win11");
  c->boot_mode = HG_BOOT_PXE;
  g_ptr_array_add (c->nics, hg_nic_new (HG_NET_USER));
  all = hg_cmdline_build (c, HG_BOOT_PXE, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (argv_value ((const char * const *) all, "-cpu", "host,hv_relaxed,hv_vapic,"));
  g_assert_nonnull (argv_value ((const char * const *) all, "-device", "e1000e,"));

  caps->kvm_hyperv = 0;   /* a KVM without Hyper-V (some nested hosts) */
  none = hg_cmdline_build (c, HG_BOOT_PXE, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (argv_has ((const char * const *) none, "host"));
  g_assert_nonnull (argv_value ((const char * const *) none, "-rtc", "base=localtime"));

  caps->kvm_hyperv = HG_HOST_HYPERV_BASE;
  base = hg_cmdline_build (c, HG_BOOT_PXE, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (argv_has ((const char * const *) base, "host,hv_relaxed,hv_runtime,hv_reset,hv_frequencies"));

  /* not Windows: nothing of it */
  g_clear_pointer (&c->os_id, g_free);
  caps->kvm_hyperv = HG_HOST_HYPERV_ALL;
  linux_guest = hg_cmdline_build (c, HG_BOOT_PXE, runtime, caps, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (argv_has ((const char * const *) linux_guest, "host"));
  g_assert_null (argv_value ((const char * const *) linux_guest, "-rtc", ""));
  g_assert_nonnull (argv_value ((const char * const *) linux_guest, "-device", "virtio-net-pci,"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;
  g_autofree char *cache = g_dir_make_tmp ("hangar-test-cmdline-cache-XXXXXX", NULL);

  /* No cached capabilities of the host's QEMU: config validation accepts
   * every machine, the recorded ones decide (above) */
  g_assert_nonnull (cache);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/cmdline/escape", test_escape);
  g_test_add_func ("/hangar/cmdline/display", test_display);
  g_test_add_func ("/hangar/cmdline/default-machines", test_default_machines);
  g_test_add_func ("/hangar/cmdline/hostile-values", test_hostile_values);
  g_test_add_func ("/hangar/cmdline/refused-values", test_refused_values);
  g_test_add_func ("/hangar/cmdline/missing-pieces", test_missing_pieces);
  g_test_add_func ("/hangar/cmdline/accel", test_accel);
  g_test_add_func ("/hangar/cmdline/no-emulator", test_no_emulator);
  g_test_add_func ("/hangar/cmdline/sandbox", test_no_sandbox);
  g_test_add_func ("/hangar/cmdline/vdeq-missing", test_vdeq_missing);
  g_test_add_func ("/hangar/cmdline/windows-hyperv", test_windows_hyperv);

  dir = data_dir ();
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (entry, ".hangar"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".hangar")));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >, 0);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_strconcat ("/hangar/cmdline/golden/",
                                           (char *) g_ptr_array_index (names, i), NULL);
      g_test_add_data_func (path, g_ptr_array_index (names, i), test_golden);
    }

  {
    int status = g_test_run ();

    g_rmdir (cache);
    return status;
  }
}
