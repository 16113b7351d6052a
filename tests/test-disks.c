/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-disk-image.h"
#include "hg-host.h"
#include "hg-qmp-client.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm-disks.h"
#include "hg-vm.h"

/* The disks of an existing VM (hg-vm-disks.h, hangarctl disk) for real:
 * qemu-img does the work, QEMU runs the guests, and what is checked is
 * what a user would see: the guest-visible size (QMP query-block), the
 * files and the config, an old disk byte-identical after a cancel or a
 * lack of space. */

#define MIB (G_GUINT64_CONSTANT (1) << 20)

static HgHostCaps *caps;

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 120000, __VA_ARGS__)

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("«%s» lacks «%s»", haystack != NULL ? haystack : "(null)", needle);
}

static void
qemu_img (const char *first,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) "qemu-img");
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (hg_test_run ((const char * const *) argv->pdata, &out, &err, 60000) != 0)
    g_error ("qemu-img %s failed: %s%s", first, out, err);
}

/* n MiB of random data at offset MiB of path (created if missing) */
static void
write_random (const char *path,
              guint       offset_mib,
              guint       n_mib)
{
  g_autofree guint8 *buf = g_malloc (MIB);
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < n_mib; i++)
    {
      for (gsize j = 0; j < MIB / 4; j++)
        ((guint32 *) buf)[j] = g_random_int ();
      g_assert_cmpint (pwrite (fd, buf, MIB, (off_t) (offset_mib + i) * MIB), ==, (gssize) MIB);
    }
  close (fd);
}

static HgVmConfig *
reload (HgVmConfig *config)
{
  g_autoptr(GError) error = NULL;
  HgVmConfig *fresh = hg_vm_config_load (config->path, &error);

  g_assert_no_error (error);
  return fresh;
}

static gboolean
need_qemu_img (void)
{
  g_autofree char *tool = hg_disk_image_find_qemu_img ();

  if (tool == NULL)
    hg_test_skip_or_fail ("qemu-img is not installed");
  return tool != NULL;
}

/* ---- the IDE layout, started for real ---------------------------------- */

static void
test_ide_start (gconstpointer data)
{
  const char *machine = data;
  g_autofree char *base = NULL;
  g_autofree char *iso = hg_test_guest_file ("tiny", "boot.iso");
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *d0 = NULL;
  g_autofree char *d1 = NULL;
  guint attached = 0;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "ide", &base);
  if (config == NULL || iso == NULL)
    {
      hg_test_skip_or_fail ("the demo and tiny test guests are not built");
      return;
    }
  d0 = g_build_filename (config->dir, "d0.qcow2", NULL);
  d1 = g_build_filename (config->dir, "d1.img", NULL);
  qemu_img ("create", "-q", "-f", "qcow2", d0, "16M", NULL);
  qemu_img ("create", "-q", "-f", "raw", d1, "8M", NULL);
  g_free (config->machine);
  config->machine = g_strdup (machine);
  g_ptr_array_add (config->disks, hg_disk_new ("d0.qcow2", "qcow2", "ide"));
  g_ptr_array_add (config->disks, hg_disk_new ("d1.img", "raw", "ide"));
  g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);

  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, 60000));
  hg_vm_media_list_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  blocks = hg_vm_media_list_finish (vm, result, &error);
  g_assert_no_error (error);
  /* both disks and the CD drive are attached, each to its own IDE slot */
  for (guint i = 0; i < blocks->len; i++)
    {
      HgQmpBlockInfo *b = g_ptr_array_index (blocks, i);

      if (b->file != NULL && (g_str_has_suffix (b->file, "d0.qcow2") ||
                              g_str_has_suffix (b->file, "d1.img") ||
                              g_str_has_suffix (b->file, "boot.iso")))
        attached++;
    }
  g_assert_cmpuint (attached, ==, 3);
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ---- the verbs of hangarctl disk on a stopped VM ------------------------- */

static JsonObject *
disk_json (const char *base,
           const char *name)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *disks;

  g_assert_cmpint (ctl (base, &out, &err, "--json", "disk", "v", "list", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  disks = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (disks); i++)
    {
      JsonObject *o = json_array_get_object_element (disks, i);

      if (g_str_equal (json_object_get_string_member (o, "name"), name))
        return json_object_ref (o);
    }
  return NULL;
}

static void
test_verbs (void)
{
  g_autofree char *base = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) after = NULL;
  g_autoptr(JsonObject) d = NULL;
  g_autofree char *disk1 = NULL;
  g_autofree char *converted = NULL;
  g_autofree char *sum = NULL;
  HgDisk *disk;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "v", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }

  /* add a new disk */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "32M", NULL), ==, 0);
  assert_contains (out, "Added disk0");
  d = disk_json (base, "disk0");
  g_assert_nonnull (d);
  g_assert_cmpint (json_object_get_int_member (d, "virtual-size"), ==, 32 * MIB);
  g_assert_cmpstr (json_object_get_string_member (d, "format"), ==, "qcow2");
  g_clear_pointer (&d, json_object_unref);
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "16M", "--format", "raw",
                        "--bus", "ide", NULL), ==, 0);
  assert_contains (out, "Added disk1");
  disk1 = g_build_filename (config->dir, "v-disk1.img", NULL);
  g_assert_true (g_file_test (disk1, G_FILE_TEST_IS_REGULAR));
  write_random (disk1, 2, 2);

  /* grow, and the note on the guest's partition */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "64M", NULL), ==, 0);
  assert_contains (out, "partition");
  d = disk_json (base, "disk0");
  g_assert_cmpint (json_object_get_int_member (d, "virtual-size"), ==, 64 * MIB);
  g_clear_pointer (&d, json_object_unref);

  /* shrinking: refused and explained, then forced */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "8M", NULL), ==, 2);
  assert_contains (err, "--force");
  assert_contains (err, "lost");
  d = disk_json (base, "disk0");
  g_assert_cmpint (json_object_get_int_member (d, "virtual-size"), ==, 64 * MIB);
  g_clear_pointer (&d, json_object_unref);
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "8M", "--force", NULL), ==, 0);
  d = disk_json (base, "disk0");
  g_assert_cmpint (json_object_get_int_member (d, "virtual-size"), ==, 8 * MIB);
  g_clear_pointer (&d, json_object_unref);

  /* convert raw -> qcow2: a new file, the same data, the config names it,
   * the old image kept */
  sum = hg_test_file_checksum (disk1);
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk1", "qcow2", NULL), ==, 0);
  assert_contains (out, "is kept");
  converted = g_build_filename (config->dir, "v-disk1.qcow2", NULL);
  qemu_img ("compare", "-q", "-f", "raw", "-F", "qcow2", disk1, converted, NULL);
  after = reload (config);
  disk = g_ptr_array_index (after->disks, 1);
  g_assert_cmpstr (disk->path, ==, "v-disk1.qcow2");
  g_assert_cmpstr (disk->format, ==, "qcow2");
  g_assert_cmpstr (disk->interface, ==, "ide");
  g_clear_pointer (&after, hg_vm_config_unref);
  {
    g_autofree char *again = hg_test_file_checksum (disk1);
    g_assert_cmpstr (again, ==, sum);
  }

  /* compact with compression: the same name, the same data */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "compact", "disk1", "--compress", NULL), ==, 0);
  assert_contains (out, "compacted");
  qemu_img ("compare", "-q", "-f", "raw", "-F", "qcow2", disk1, converted, NULL);

  /* every format there and back */
  for (guint i = 0; i < 3; i++)
    {
      const char *fmt = (const char *[]) { "vdi", "vmdk", "vhdx" }[i];

      g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk1", fmt, NULL), ==, 0);
      after = reload (config);
      g_assert_cmpstr (((HgDisk *) g_ptr_array_index (after->disks, 1))->format, ==, fmt);
      g_clear_pointer (&after, hg_vm_config_unref);
    }
  {
    g_autofree char *vhdx = g_build_filename (config->dir, "v-disk1.vhdx", NULL);
    qemu_img ("compare", "-q", "-f", "raw", "-F", "vhdx", disk1, vhdx, NULL);
  }

  /* an existing image: copied into the VM's folder keeping its holes, or
   * used where it is */
  {
    g_autofree char *elsewhere = g_dir_make_tmp ("hangar-ext-XXXXXX", NULL);
    g_autofree char *ext = g_build_filename (elsewhere, "ext.img", NULL);
    g_autofree char *copied = g_build_filename (config->dir, "ext.img", NULL);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    struct stat st;
    int fd;

    write_random (ext, 8, 1);
    fd = open (ext, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint (ftruncate (fd, 64 * MIB), ==, 0);
    close (fd);
    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--image", ext, "--copy", NULL), ==, 0);
    assert_contains (out, "Added disk2");
    g_assert_cmpint (stat (copied, &st), ==, 0);
    g_assert_cmpint (st.st_size, ==, 64 * MIB);
    g_assert_cmpint ((gint64) st.st_blocks * 512, <=, 2 * MIB);
    a = hg_test_file_checksum (ext);
    b = hg_test_file_checksum (copied);
    g_assert_cmpstr (a, ==, b);
    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--image", ext, "--bus", "ide",
                          NULL), ==, 0);
    assert_contains (out, "Added disk3");
    after = reload (config);
    g_assert_cmpstr (((HgDisk *) g_ptr_array_index (after->disks, 2))->path, ==, "ext.img");
    g_assert_cmpstr (((HgDisk *) g_ptr_array_index (after->disks, 2))->format, ==, "raw");
    g_assert_cmpstr (((HgDisk *) g_ptr_array_index (after->disks, 3))->path, ==, ext);
    g_clear_pointer (&after, hg_vm_config_unref);
    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk3", NULL), ==, 0);
    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk2", NULL), ==, 0);
    hg_test_remove_tree (elsewhere);
  }

  /* remove: the image kept */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk0", NULL), ==, 0);
  assert_contains (out, "is kept");
  {
    g_autofree char *disk0 = g_build_filename (config->dir, "v-disk0.qcow2", NULL);
    g_assert_true (g_file_test (disk0, G_FILE_TEST_IS_REGULAR));
  }
  after = reload (config);
  g_assert_cmpuint (after->disks->len, ==, 1);
  g_clear_pointer (&after, hg_vm_config_unref);

  /* remove to the trash: the file goes where the trash is */
  {
    g_autofree char *vhdx = g_build_filename (config->dir, "v-disk1.vhdx", NULL);
    g_autofree char *trashed = g_build_filename (g_get_user_data_dir (), "Trash", "files",
                                                 "v-disk1.vhdx", NULL);

    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk0", "--trash", NULL), ==, 0);
    assert_contains (out, vhdx);
    assert_contains (out, "trash");
    g_assert_false (g_file_test (vhdx, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (trashed, G_FILE_TEST_IS_REGULAR));
    g_unlink (trashed);
  }
  after = reload (config);
  g_assert_cmpuint (after->disks->len, ==, 0);
  hg_test_remove_tree (base);
}

/* ---- bad input ------------------------------------------------------------ */

static void
test_bad_input (void)
{
  g_autofree char *base = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(HgVmConfig) config = NULL;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "v", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "8M", NULL), ==, 0);
  g_assert_true (g_file_get_contents (config->path, &before, NULL, NULL));

  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk7", "1G", NULL), ==, 3);
  assert_contains (err, "disk7");
  assert_contains (err, "disk0");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "nodisk", NULL), ==, 3);
  assert_contains (err, "nodisk");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "12X", NULL), ==, 2);
  assert_contains (err, "12X");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "lots", NULL), ==, 2);
  assert_contains (err, "--size");
  assert_contains (err, "lots");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "0", NULL), ==, 2);
  assert_contains (err, "--size");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "8M", "--format", "qed",
                        NULL), ==, 2);
  assert_contains (err, "qed");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "8M", "--bus", "usb",
                        NULL), ==, 2);
  assert_contains (err, "usb");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk0", "cow", NULL), ==, 2);
  assert_contains (err, "cow");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk0", "raw", "--compress",
                        NULL), ==, 2);
  assert_contains (err, "compress");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk0", "--force", NULL), ==, 2);
  assert_contains (err, "--force");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "grow", "disk0", NULL), ==, 2);
  assert_contains (err, "grow");
  /* an image with a backing file outside its folder is refused as at create */
  {
    g_autofree char *elsewhere = g_dir_make_tmp ("hangar-bk-XXXXXX", NULL);
    g_autofree char *backing = g_build_filename (elsewhere, "secret.img", NULL);
    g_autofree char *overlay = g_build_filename (base, "overlay.qcow2", NULL);

    qemu_img ("create", "-q", "-f", "raw", backing, "1M", NULL);
    qemu_img ("create", "-q", "-f", "qcow2", "-b", backing, "-F", "raw", overlay, NULL);
    g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--image", overlay, NULL), !=, 0);
    assert_contains (err, "secret.img");
    hg_test_remove_tree (elsewhere);
  }

  /* nothing changed, nothing left behind */
  g_assert_true (g_file_get_contents (config->path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);
  {
    g_autoptr(GDir) dir = g_dir_open (config->dir, 0, NULL);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name (dir)) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 2);   /* v.hangar and v-disk0.qcow2 */
  }
  hg_test_remove_tree (base);
}

/* ---- while running: online resize, refusals ------------------------------- */

static gint64
qmp_virtual_size (HgVm       *vm,
                  const char *node)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *a;

  hg_qmp_client_execute_async (hg_vm_get_qmp_client (vm), "query-block", NULL, NULL,
                               hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  reply = hg_qmp_client_execute_finish (hg_vm_get_qmp_client (vm), result, &error);
  g_assert_no_error (error);
  a = json_node_get_array (reply);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      JsonObject *ins;

      if (!json_object_has_member (o, "inserted"))
        continue;
      ins = json_object_get_object_member (o, "inserted");
      if (g_strcmp0 (json_object_get_string_member_with_default (ins, "node-name", ""), node) == 0)
        return json_object_get_int_member (json_object_get_object_member (ins, "image"),
                                           "virtual-size");
    }
  return -1;
}

static void
test_running (void)
{
  g_autofree char *base = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sum = NULL;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "v", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }
  path = g_build_filename (config->dir, "d.qcow2", NULL);
  qemu_img ("create", "-q", "-f", "qcow2", path, "32M", NULL);
  g_ptr_array_add (config->disks, hg_disk_new ("d.qcow2", "qcow2", NULL));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);

  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, 60000));
  g_assert_cmpint (qmp_virtual_size (vm, "disk0"), ==, 32 * MIB);

  /* grown while it runs: the guest's disk is larger at once */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "48M", NULL), ==, 0);
  assert_contains (out, "48.0");
  g_assert_cmpint (qmp_virtual_size (vm, "disk0"), ==, 48 * MIB);
  /* and listed so while it runs */
  {
    g_autoptr(JsonObject) d = disk_json (base, "disk0");

    g_assert_nonnull (d);
    g_assert_cmpint (json_object_get_int_member (d, "virtual-size"), ==, 48 * MIB);
  }

  /* shrinking online is refused, and what needs the VM stopped says so */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "resize", "disk0", "16M", "--force", NULL), ==, 2);
  assert_contains (err, "while the VM runs");
  g_assert_cmpint (qmp_virtual_size (vm, "disk0"), ==, 48 * MIB);
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "remove", "disk0", NULL), ==, 4);
  assert_contains (err, "is running");
  assert_contains (err, "stop it");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "compact", "disk0", NULL), ==, 4);
  assert_contains (err, "is running");
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk0", "raw", NULL), ==, 4);
  assert_contains (err, "is running");

  hg_test_vm_kill (vm);
  /* the file is what QEMU made of it */
  sum = hg_test_file_checksum (path);
  g_assert_nonnull (sum);
  hg_test_remove_tree (base);
}

/* ---- cancel, lack of space ------------------------------------------------ */

static void
cancel_at_start (double   fraction,
                 gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_cancel (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) after = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_after = NULL;
  guint files;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "v", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }
  path = g_build_filename (config->dir, "d.img", NULL);
  write_random (path, 0, 32);
  g_ptr_array_add (config->disks, hg_disk_new ("d.img", "raw", NULL));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config->path, &text, NULL, NULL));
  sum = hg_test_file_checksum (path);
  files = count_files (config->dir);

  hg_vm_disk_convert_async (config, "disk0", "qcow2", TRUE, cancel_at_start, cancellable,
                            cancellable, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_disk_convert_finish (result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  again = hg_test_file_checksum (path);
  g_assert_cmpstr (again, ==, sum);
  g_assert_cmpuint (count_files (config->dir), ==, files);
  g_assert_true (g_file_get_contents (config->path, &text_after, NULL, NULL));
  g_assert_cmpstr (text_after, ==, text);
  hg_test_remove_tree (base);
}

/* hangarctl: Ctrl-C (SIGINT) cancels, the disk as it was */
static void
test_cli_interrupt (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *again = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GString) rest = g_string_new (NULL);
  guint files;

  if (!need_qemu_img ())
    return;
  config = hg_test_make_vm ("demo", "v", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("the demo test guest is not built");
      return;
    }
  path = g_build_filename (config->dir, "d.img", NULL);
  write_random (path, 0, 32);
  g_ptr_array_add (config->disks, hg_disk_new ("d.img", "raw", NULL));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  sum = hg_test_file_checksum (path);
  files = count_files (config->dir);

  {
    const char *args[] = { "disk", "v", "convert", "disk0", "qcow2", "--compress", NULL };

    argv = g_ptr_array_new ();
    g_ptr_array_add (argv, hg_test_hangarctl_path ());
    g_ptr_array_add (argv, (gpointer) "--base");
    g_ptr_array_add (argv, base);
    for (guint i = 0; args[i] != NULL; i++)
      g_ptr_array_add (argv, (gpointer) args[i]);
    g_ptr_array_add (argv, NULL);
  }
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_free (g_ptr_array_index (argv, 0));
  g_assert_no_error (error);
  /* not a terminal: plain lines, the first as the work starts */
  lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "Converting: 0%");
  g_subprocess_send_signal (proc, SIGINT);
  for (char *more; (more = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL;)
    {
      g_string_append_printf (rest, "%s\n", more);
      g_free (more);
    }
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  assert_contains (rest->str, "cancelled; disk0 is unchanged");

  again = hg_test_file_checksum (path);
  g_assert_cmpstr (again, ==, sum);
  g_assert_cmpuint (count_files (config->dir), ==, files);
  hg_test_remove_tree (base);
}

static void
test_no_space (void)
{
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *again = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) after = NULL;
  g_autoptr(GError) error = NULL;

  if (!need_qemu_img ())
    return;
  if (geteuid () != 0)
    {
      hg_test_skip_or_fail ("a small tmpfs needs root to mount");
      return;
    }
  base = g_dir_make_tmp ("hangar-full-XXXXXX", &error);
  g_assert_no_error (error);
  if (mount ("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "size=24m,mode=0700") != 0)
    {
      hg_test_skip_or_fail ("cannot mount a tmpfs");
      g_rmdir (base);
      return;
    }
  dir = g_build_filename (base, "v", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  config = hg_vm_config_new ("v");
  config->memory_mib = 64;
  hg_vm_config_set_location (config, dir);
  path = g_build_filename (dir, "d.img", NULL);
  /* 14 MiB of data in a 24 MiB filesystem: no room for a copy */
  write_random (path, 0, 14);
  g_ptr_array_add (config->disks, hg_disk_new ("d.img", "raw", NULL));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  sum = hg_test_file_checksum (path);

  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "convert", "disk0", "qcow2", NULL), ==, 1);
  assert_contains (err, "needs 14.");
  assert_contains (err, "free");
  assert_contains (err, "unchanged");
  again = hg_test_file_checksum (path);
  g_assert_cmpstr (again, ==, sum);
  g_assert_cmpuint (count_files (dir), ==, 2);
  after = reload (config);
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (after->disks, 0))->format, ==, "raw");

  /* a new disk counts what its image takes (qemu-img measure), not its
   * size: a 1 GiB qcow2 fits in the 10 MiB left, a 32 MiB raw does not */
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "32M", "--format", "raw",
                        NULL), ==, 1);
  assert_contains (err, "needs 32");
  assert_contains (err, "free");
  g_assert_cmpuint (count_files (dir), ==, 2);
  g_assert_cmpint (ctl (base, &out, &err, "disk", "v", "add", "--size", "1G", NULL), ==, 0);
  assert_contains (out, "Added disk1");

  g_assert_cmpint (umount (base), ==, 0);
  g_rmdir (base);
}

/* ---- sparse copies -------------------------------------------------------- */

static void
test_sparse_copy (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hangar-sparse-XXXXXX", NULL);
  g_autofree char *src = g_build_filename (dir, "src.img", NULL);
  g_autofree char *dest = g_build_filename (dir, "dest.img", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  struct stat st;
  int fd;

  /* 256 MiB: 1 MiB of data at 0, 1 MiB at 128 MiB, holes elsewhere */
  write_random (src, 0, 1);
  write_random (src, 128, 1);
  fd = open (src, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (ftruncate (fd, 256 * MIB), ==, 0);
  close (fd);

  hg_disk_image_copy_async (src, dest, NULL, NULL, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_disk_image_copy_finish (result, &error);
  g_assert_no_error (error);

  g_assert_cmpint (stat (dest, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 256 * MIB);
  /* the holes stayed holes: about 2 MiB allocated, not 256 */
  g_assert_cmpint ((gint64) st.st_blocks * 512, <=, 4 * MIB);
  g_assert_cmpint ((st.st_mode & 0777), ==, 0600);
  a = hg_test_file_checksum (src);
  b = hg_test_file_checksum (dest);
  g_assert_cmpstr (a, ==, b);
  hg_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = NULL;
  int ret;

  /* the trash of these tests: on the same filesystem as their VMs */
  data_home = g_dir_make_tmp ("hangar-data-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_data_func ("/hangar/disks/ide-start-q35", "q35", test_ide_start);
  g_test_add_data_func ("/hangar/disks/ide-start-pc", "pc", test_ide_start);
  g_test_add_func ("/hangar/disks/verbs", test_verbs);
  g_test_add_func ("/hangar/disks/bad-input", test_bad_input);
  g_test_add_func ("/hangar/disks/running", test_running);
  g_test_add_func ("/hangar/disks/cancel", test_cancel);
  g_test_add_func ("/hangar/disks/cli-interrupt", test_cli_interrupt);
  g_test_add_func ("/hangar/disks/no-space", test_no_space);
  g_test_add_func ("/hangar/disks/sparse-copy", test_sparse_copy);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  hg_test_remove_tree (data_home);
  return ret;
}
