/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-test-skip.h"
#include "hg-ctys.h"
#include "hg-disk-image.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * Images are untrusted and checked at every use (suite qemu): a VM folder
 * whose disk is backed by a host file, a json: or nbd: address or a device
 * is refused at start (core and hangarctl), at media change, at snapshot
 * load and at import-ctys, with an error naming the image and its backing
 * file; a raw file that starts with a qcow2 header stays raw; a chain inside
 * the folder boots; [disk:N] allow-backing lets the user allow a folder
 * outside.  Real QEMU under TCG, the "tiny" guest.
 */

static HgHostCaps *caps;
static char *ctl_path;

#define SKIP_IF_NOT_READY(vm)                                              \
  if ((vm) == NULL || caps->qemu_img == NULL)                              \
    {                                                                      \
      hg_test_skip_or_fail ("guest not built or qemu-img missing");                 \
      return;                                                              \
    }

/* qemu-img ARGS... NULL, which must succeed */
static void
img (const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, caps->qemu_img);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (hg_test_run ((const char * const *) argv->pdata, &out, &err, 30000) != 0)
    g_error ("qemu-img %s failed: %s", first, err);
}

/* hangarctl --base BASE ARGS... NULL: its exit status, stdout, stderr */
static int
ctl (const char  *base,
     char       **out,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  int status;

  g_ptr_array_add (argv, ctl_path);
  g_ptr_array_add (argv, (gpointer) "--base");
  g_ptr_array_add (argv, (gpointer) base);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  status = hg_test_run ((const char * const *) argv->pdata, out, err, 60000);
  g_assert_cmpint (status, >=, 0);
  return status;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("«%s» does not contain «%s»", haystack ? haystack : "(null)", needle);
}

/* The tiny guest (boots from its CD) with a disk `name` (format) in its
 * folder, made by make_disk(dir) first; the config saved. */
typedef void (*MakeDisk) (const char *dir, gpointer data);

static HgVm *
vm_with_disk (const char  *label,
              const char  *name,
              const char  *format,
              MakeDisk     make_disk,
              gpointer     data,
              char       **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", label, base);
  g_autoptr(GError) error = NULL;

  if (config == NULL || caps->qemu_img == NULL)
    return NULL;
  if (make_disk != NULL)
    make_disk (config->dir, data);
  if (name != NULL)
    {
      g_ptr_array_add (config->disks, hg_disk_new (name, format, "virtio"));
      hg_vm_config_save (config, &error);
      g_assert_no_error (error);
    }
  return hg_vm_new_full (config, NULL, caps);
}

/* a qcow2 "evil.qcow2" in dir whose backing file is data (format raw),
 * written without opening it */
static void
make_backed_by (const char *dir,
                gpointer    data)
{
  g_autofree char *path = g_build_filename (dir, "evil.qcow2", NULL);

  img ("create", "-q", "-f", "qcow2", "-u", "-b", (const char *) data, "-F", "raw", path, "16M", NULL);
}

/* The hostile images of every kind, made in a folder: a qcow2 backed by a
 * host file, by a json: and by an nbd: address (an NBD "server" that must
 * never be contacted), and a raw disk that is a link to a device. */
typedef struct {
  const char *file;      /* in the folder */
  const char *format;
  char       *backing;   /* written into the qcow2 header, or NULL */
  const char *needle;    /* in the error */
} Hostile;

typedef struct {
  GSocket *nbd_listener;
  Hostile  kinds[4];
} HostileSet;

static HostileSet *
hostile_set_new (void)
{
  HostileSet *set = g_new0 (HostileSet, 1);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  set->nbd_listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                    G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_true (g_socket_bind (set->nbd_listener, addr, TRUE, NULL));
  g_assert_true (g_socket_listen (set->nbd_listener, NULL));
  g_socket_set_blocking (set->nbd_listener, FALSE);
  bound = g_socket_get_local_address (set->nbd_listener, NULL);
  set->kinds[0] = (Hostile) { "shadow.qcow2", "qcow2", g_strdup ("/etc/shadow"),
                              "its backing file “/etc/shadow” is outside" };
  set->kinds[1] = (Hostile) { "json.qcow2", "qcow2",
                              g_strdup ("json:{\"file.driver\":\"file\",\"file.filename\":\"/etc/shadow\"}"),
                              "is not a local file but a network or protocol address" };
  set->kinds[2] = (Hostile) { "nbd.qcow2", "qcow2",
                              g_strdup_printf ("nbd:127.0.0.1:%u", g_inet_socket_address_get_port (
                                                 G_INET_SOCKET_ADDRESS (bound))),
                              "is not a local file but a network or protocol address" };
  set->kinds[3] = (Hostile) { "device.img", "raw", NULL, "device.img is not a regular file" };
  return set;
}

static void
hostile_set_make (HostileSet *set,
                  const char *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (set->kinds); i++)
    {
      g_autofree char *path = g_build_filename (dir, set->kinds[i].file, NULL);

      if (set->kinds[i].backing != NULL)
        img ("create", "-q", "-f", "qcow2", "-u", "-b", set->kinds[i].backing, "-F", "raw", path,
             "16M", NULL);
      else
        g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
    }
}

/* nobody knocked at the NBD port */
static void
hostile_set_free (HostileSet *set)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) peer = g_socket_accept (set->nbd_listener, NULL, &error);

  g_assert_null (peer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_object_unref (set->nbd_listener);
  for (guint i = 0; i < G_N_ELEMENTS (set->kinds); i++)
    g_free (set->kinds[i].backing);
  g_free (set);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileSet, hostile_set_free)

static void
assert_start_refused (HgVm       *vm,
                      const char *base,
                      const char *needle1,
                      const char *needle2)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *label = hg_vm_get_config (vm)->label;

  /* core start, the path of the window and of hangarctl */
  hg_vm_start_async (vm, hg_vm_get_config (vm)->boot_mode, HG_VM_START_NONE, NULL,
                     hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_test_message ("start refused: %s", error->message);
  g_assert_true (g_error_matches (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE) ||
                 g_error_matches (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_NETWORK) ||
                 g_error_matches (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE));
  assert_contains (error->message, "[disk:0]");
  assert_contains (error->message, needle1);
  assert_contains (error->message, needle2);
  g_assert_false (hg_vm_is_active (vm));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);

  /* hangarctl start: one line on stderr, nothing running */
  g_assert_cmpint (ctl (base, &out, &err, "start", label, NULL), ==, 1);
  assert_contains (err, "hangarctl: start: ");
  assert_contains (err, needle1);
  assert_contains (err, needle2);
  g_assert_cmpint (ctl (base, &out, &err, "info", label, NULL), ==, 0);
  assert_contains (out, "stopped");
  /* hangarctl cmdline checks as a start does */
  g_assert_cmpint (ctl (base, &out, &err, "cmdline", label, NULL), ==, 1);
  assert_contains (err, needle1);
}

static void
test_backing_host_file (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("shadow", "evil.qcow2", "qcow2", make_backed_by,
                                     (gpointer) "/etc/shadow", &base);
  g_autofree char *msg = NULL;

  SKIP_IF_NOT_READY (vm);
  msg = g_strdup_printf ("evil.qcow2: refused: its backing file “/etc/shadow” is outside the "
                         "VM's folder %s", hg_vm_get_config (vm)->dir);
  assert_start_refused (vm, base, msg, "allow-backing");
  hg_test_remove_tree (base);
}

static void
test_backing_json (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("json", "evil.qcow2", "qcow2", make_backed_by,
                                     (gpointer) "json:{\"file.driver\":\"file\","
                                                "\"file.filename\":\"/etc/shadow\"}", &base);

  SKIP_IF_NOT_READY (vm);
  assert_start_refused (vm, base, "evil.qcow2: refused: its backing file “json:{",
                        "is not a local file but a network or protocol address");
  hg_test_remove_tree (base);
}

static void
test_backing_nbd (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) peer = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *nbd = NULL;
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = NULL;

  /* an NBD "server" that must never be contacted */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, addr, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (listener, FALSE);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  nbd = g_strdup_printf ("nbd:127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  vm = vm_with_disk ("nbd", "evil.qcow2", "qcow2", make_backed_by, nbd, &base);
  SKIP_IF_NOT_READY (vm);
  assert_start_refused (vm, base, nbd, "is not a local file but a network or protocol address");
  peer = g_socket_accept (listener, NULL, &error);
  g_assert_null (peer);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  hg_test_remove_tree (base);
}

static void
make_device_link (const char *dir,
                  gpointer    data)
{
  g_autofree char *path = g_build_filename (dir, "disk.img", NULL);

  g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
}

static void
test_raw_device (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("device", "disk.img", "raw", make_device_link, NULL, &base);

  SKIP_IF_NOT_READY (vm);
  assert_start_refused (vm, base, "disk.img is not a regular file", "[disk:0]");
  hg_test_remove_tree (base);
}

/* query-block's entry of the drive whose qdev names id */
static HgQmpBlockInfo *
find_drive (GPtrArray  *list,
            const char *id)
{
  g_autofree char *path = g_strdup_printf ("/machine/peripheral/%s/", id);

  for (guint i = 0; i < list->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (list, i);

      if (info->qdev != NULL && (g_str_equal (info->qdev, id) || g_str_has_prefix (info->qdev, path)))
        return info;
    }
  g_error ("no drive %s", id);
}

static void
test_raw_stays_raw (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("rawhdr", "looks.img", "raw", make_backed_by,
                                     (gpointer) "/etc/shadow", &base);
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *evil = NULL;
  g_autofree char *looks = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  HgQmpBlockInfo *disk;

  SKIP_IF_NOT_READY (vm);
  /* a raw disk whose first bytes are a qcow2 header naming /etc/shadow */
  evil = g_build_filename (hg_vm_get_config (vm)->dir, "evil.qcow2", NULL);
  looks = g_build_filename (hg_vm_get_config (vm)->dir, "looks.img", NULL);
  g_assert_cmpint (g_rename (evil, looks), ==, 0);

  hg_test_vm_start (vm, HG_VM_START_NONE);
  list = hg_test_vm_media_list (vm);
  disk = find_drive (list, "disk0");
  g_assert_true (disk->has_media);
  g_assert_cmpstr (disk->format, ==, "raw");
  g_assert_cmpstr (disk->file, ==, looks);
  g_assert_null (disk->backing_file);
  g_assert_cmpint (ctl (base, &out, &err, "cmdline", "rawhdr", NULL), ==, 0);
  assert_contains (out, "{\"driver\":\"raw\",\"node-name\":\"disk0\",\"file\":\"disk0-file\"}");
  g_assert_null (strstr (out, "shadow"));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* base.qcow2 <- top.qcow2 in dir */
static void
make_chain (const char *dir,
            gpointer    data)
{
  const char *base_dir = data != NULL ? data : dir;
  g_autofree char *base = g_build_filename (base_dir, "base.qcow2", NULL);
  g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);

  img ("create", "-q", "-f", "qcow2", base, "16M", NULL);
  img ("create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", top, NULL);
}

static void
test_chain_boots (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("chain", "top.qcow2", "qcow2", make_chain, NULL, &base);
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  HgQmpBlockInfo *disk;

  SKIP_IF_NOT_READY (vm);
  g_assert_cmpint (ctl (base, &out, &err, "cmdline", "chain", NULL), ==, 0);
  assert_contains (out, "\"node-name\":\"disk0-b1\"");
  assert_contains (out, "\"backing\":\"disk0-b1\"");
  hg_test_vm_start (vm, HG_VM_START_NONE);
  list = hg_test_vm_media_list (vm);
  disk = find_drive (list, "disk0");
  g_assert_true (disk->has_media);
  g_assert_cmpstr (disk->format, ==, "qcow2");
  assert_contains (disk->backing_file, "base.qcow2");

  /* hangarctl cmdline shows exactly the argv the start ran */
  {
    g_autofree char *proc = g_strdup_printf ("/proc/%d/cmdline", (int) hg_vm_get_pid (vm));
    g_autofree char *ran = NULL;
    g_autoptr(GString) shown = g_string_new (NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonArray *array;
    gsize len = 0;

    g_assert_true (g_file_get_contents (proc, &ran, &len, NULL));
    g_assert_cmpint (ctl (base, &out, &err, "--json", "cmdline", "chain", NULL), ==, 0);
    g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
    array = json_node_get_array (json_parser_get_root (parser));
    for (guint i = 0; i < json_array_get_length (array); i++)
      g_string_append_len (shown, json_array_get_string_element (array, i),
                           (gssize) strlen (json_array_get_string_element (array, i)) + 1);
    g_assert_cmpuint (shown->len, ==, len);
    g_assert_true (memcmp (shown->str, ran, len) == 0);
  }
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static void
test_allow_backing (void)
{
  g_autofree char *base = NULL;
  g_autofree char *shared = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgVmConfig) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  g_autofree char *shared_base = NULL;
  HgVmConfig *config;

  /* the base image lies in a folder beside the VM's */
  shared = g_dir_make_tmp ("hangar-shared-XXXXXX", &error);
  g_assert_no_error (error);
  vm = vm_with_disk ("allow", "top.qcow2", "qcow2", make_chain, shared, &base);
  SKIP_IF_NOT_READY (vm);
  config = hg_vm_get_config (vm);
  shared_base = g_build_filename (shared, "base.qcow2", NULL);
  msg = g_strdup_printf ("its backing file “%s” is outside the VM's folder", shared_base);
  assert_start_refused (vm, base, msg, "allow it with the key allow-backing in [disk:0]");

  /* the user allows that folder: kept by save and load, and it boots */
  ((HgDisk *) config->disks->pdata[0])->allow_backing = g_strsplit (shared, "\n", -1);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  reloaded = hg_vm_config_load (config->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((HgDisk *) reloaded->disks->pdata[0])->allow_backing[0], ==, shared);
  hg_test_vm_start (vm, HG_VM_START_NONE);
  g_assert_true (hg_vm_is_active (vm));
  hg_test_vm_kill (vm);

  /* what allow-backing admits must be an image format, not raw: a raw
   * "image" could be any host file the folder's author names */
  {
    g_autofree char *secret = g_build_filename (shared, "id_rsa", NULL);
    g_autofree char *top2 = g_build_filename (config->dir, "top2.qcow2", NULL);
    const char *folders[] = { config->dir, NULL };
    const char *allow[] = { shared, NULL };
    g_autoptr(HgDiskImageInfo) info = NULL;

    g_assert_true (g_file_set_contents (secret, "-----BEGIN OPENSSH PRIVATE KEY-----\n", -1, NULL));
    img ("create", "-q", "-f", "qcow2", "-u", "-b", secret, "-F", "raw", top2, "16M", NULL);
    info = hg_disk_image_check (top2, "qcow2", folders, allow, "the VM's folder", NULL, &error);
    g_assert_null (info);
    g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
    assert_contains (error->message, "id_rsa” lies outside the VM's folder and is raw");
    g_clear_error (&error);
  }

  /* a relative entry or the whole file system is refused on load */
  {
    const char *bad[][2] = { { "allow-backing=shared/", "is not an absolute path" },
                             { "allow-backing=/", "every file of the host" } };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *text = g_strdup_printf ("[machine]\nlabel=allow\narch=x86_64\n\n"
                                                 "[disk:0]\npath=top.qcow2\nformat=qcow2\n%s\n",
                                                 bad[i][0]);
        g_autoptr(HgVmConfig) c = hg_vm_config_load_from_data (text, -1, "allow.hangar", &error);

        g_assert_null (c);
        assert_contains (error->message, "[disk:0]");
        assert_contains (error->message, "allow-backing");
        assert_contains (error->message, bad[i][1]);
        g_clear_error (&error);
      }
  }
  hg_test_remove_tree (base);
  hg_test_remove_tree (shared);
}

/* QEMU has path open (one of its /proc/PID/fd links points at it) */
static gboolean
qemu_holds (HgVm       *vm,
            const char *path)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", (int) hg_vm_get_pid (vm));
  g_autoptr(GDir) dir = g_dir_open (fd_dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (fd_dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, path) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_media_change (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("mchange", NULL, NULL, make_backed_by, (gpointer) "/etc/shadow",
                                     &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *evil = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  HgQmpBlockInfo *cd;

  SKIP_IF_NOT_READY (vm);
  evil = g_build_filename (hg_vm_get_config (vm)->dir, "evil.qcow2", NULL);
  hg_test_vm_start (vm, HG_VM_START_NONE);

  /* as a qcow2: its backing file is refused, the old medium stays */
  hg_vm_media_change_async (vm, "cd0", evil, "qcow2", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
  assert_contains (error->message, "evil.qcow2: refused: its backing file “/etc/shadow” is outside");
  g_clear_error (&error);
  g_clear_object (&result);
  list = hg_test_vm_media_list (vm);
  cd = find_drive (list, "cd0");
  assert_contains (cd->file, "boot.iso");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* every kind of hostile image, as the format it claims */
  {
    g_autoptr(HostileSet) set = hostile_set_new ();

    hostile_set_make (set, hg_vm_get_config (vm)->dir);
    for (guint i = 0; i < G_N_ELEMENTS (set->kinds); i++)
      {
        g_autofree char *path = g_build_filename (hg_vm_get_config (vm)->dir, set->kinds[i].file, NULL);

        hg_vm_media_change_async (vm, "cd0", path, set->kinds[i].format, NULL, hg_test_store_result,
                                  &result);
        g_assert_true (hg_test_wait_result (&result, 30000));
        g_assert_false (hg_vm_action_finish (vm, result, &error));
        g_test_message ("media change refused: %s", error->message);
        assert_contains (error->message, set->kinds[i].needle);
        g_clear_error (&error);
        g_clear_object (&result);
      }
    list = hg_test_vm_media_list (vm);
    assert_contains (find_drive (list, "cd0")->file, "boot.iso");
    g_clear_pointer (&list, g_ptr_array_unref);
  }

  /* the same through hangarctl */
  g_assert_cmpint (ctl (base, &out, &err, "media", "mchange", "change", "--format", "qcow2", "cd0",
                        evil, NULL), ==, 1);
  assert_contains (err, "hangarctl: media: ");
  assert_contains (err, "its backing file “/etc/shadow” is outside");

  /* as raw (the default): the bytes as they are, nothing followed */
  hg_vm_media_change_async (vm, "cd0", evil, NULL, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  list = hg_test_vm_media_list (vm);
  cd = find_drive (list, "cd0");
  g_assert_true (cd->has_media);
  g_assert_cmpstr (cd->format, ==, "raw");
  g_assert_cmpstr (cd->file, ==, evil);
  g_assert_true (cd->read_only);
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_object (&result);
  /* the DVD taken out is no longer held open */
  g_assert_true (qemu_holds (vm, evil));
  {
    g_autofree char *iso = hg_vm_config_resolve_path (hg_vm_get_config (vm),
                                                      hg_vm_config_get_medium (hg_vm_get_config (vm),
                                                                               HG_MEDIUM_CDROM)->path);
    g_autofree char *real = realpath (iso, NULL);

    g_assert_false (qemu_holds (vm, real));
  }

  /* a qcow2 whose chain stays in the folder is inserted with its chain */
  make_chain (hg_vm_get_config (vm)->dir, NULL);
  {
    g_autofree char *top = g_build_filename (hg_vm_get_config (vm)->dir, "top.qcow2", NULL);

    hg_vm_media_change_async (vm, "cd0", top, "qcow2", NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 30000));
    hg_vm_action_finish (vm, result, &error);
    g_assert_no_error (error);
    list = hg_test_vm_media_list (vm);
    cd = find_drive (list, "cd0");
    g_assert_cmpstr (cd->format, ==, "qcow2");
    assert_contains (cd->file, "top.qcow2");
    assert_contains (cd->backing_file, "base.qcow2");
    g_assert_true (qemu_holds (vm, top));
    g_assert_false (qemu_holds (vm, evil));
    g_clear_pointer (&list, g_ptr_array_unref);
    g_clear_object (&result);

    /* ejected: nothing of it stays open, its chain included */
    hg_vm_media_eject_async (vm, "cd0", TRUE, NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 30000));
    hg_vm_action_finish (vm, result, &error);
    g_assert_no_error (error);
    g_assert_false (qemu_holds (vm, top));
    {
      g_autofree char *base_img = g_build_filename (hg_vm_get_config (vm)->dir, "base.qcow2", NULL);
      g_assert_false (qemu_holds (vm, base_img));
    }
  }
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static void
make_plain_qcow2 (const char *dir,
                  gpointer    data)
{
  g_autofree char *path = g_build_filename (dir, "disk.qcow2", NULL);

  img ("create", "-q", "-f", "qcow2", path, "16M", NULL);
}

/* Writes a backing file name into a qcow2 header, as someone with write
 * access to the folder could while the VM runs */
static void
set_backing_in_header (const char *path,
                       const char *backing)
{
  guint8 field[12];
  guint64 offset = 0x4000;   /* unused space in the header cluster */
  guint32 size = (guint32) strlen (backing);
  int fd = open (path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < 8; i++)
    field[i] = (guint8) (offset >> (56 - 8 * i));
  for (guint i = 0; i < 4; i++)
    field[8 + i] = (guint8) (size >> (24 - 8 * i));
  g_assert_cmpint (pwrite (fd, backing, size, (off_t) offset), ==, (ssize_t) size);
  g_assert_cmpint (pwrite (fd, field, sizeof field, 8), ==, (ssize_t) sizeof field);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
test_snapshot_load (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = vm_with_disk ("snapload", "disk.qcow2", "qcow2", make_plain_qcow2, NULL, &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  SKIP_IF_NOT_READY (vm);
  disk = g_build_filename (hg_vm_get_config (vm)->dir, "disk.qcow2", NULL);
  hg_test_vm_start (vm, HG_VM_START_NONE);
  hg_vm_snapshot_save_async (vm, "s1", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 120000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* the image changed under the running VM: loadvm is refused, whatever
   * its header now names */
  {
    g_autoptr(HostileSet) set = hostile_set_new ();

    for (guint i = 1; i < G_N_ELEMENTS (set->kinds) && set->kinds[i].backing != NULL; i++)
      {
        set_backing_in_header (disk, set->kinds[i].backing);
        hg_vm_snapshot_load_async (vm, "s1", NULL, hg_test_store_result, &result);
        g_assert_true (hg_test_wait_result (&result, 60000));
        g_assert_false (hg_vm_action_finish (vm, result, &error));
        assert_contains (error->message, "snapshot not loaded");
        assert_contains (error->message, set->kinds[i].needle);
        g_clear_error (&error);
        g_clear_object (&result);
      }
  }
  set_backing_in_header (disk, "/etc/shadow");
  hg_vm_snapshot_load_async (vm, "s1", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
  assert_contains (error->message, "snapshot not loaded");
  assert_contains (error->message, "disk.qcow2: refused: its backing file “/etc/shadow” is outside");
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapload", "load", "s1", NULL), ==, 1);
  assert_contains (err, "hangarctl: snapshot: ");
  assert_contains (err, "its backing file “/etc/shadow” is outside");
  g_assert_true (hg_vm_is_active (vm));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static void
test_import_ctys (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hangar-ctys-XXXXXX", &error);
  g_autofree char *vms = g_build_filename (dir, "vms", NULL);
  g_autofree char *file = g_build_filename (dir, "evil.ctys", NULL);
  g_autofree char *made = g_build_filename (vms, "evil", NULL);
  g_autoptr(HgCtysImport) imp = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  if (caps->qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  make_backed_by (dir, (gpointer) "/etc/shadow");
  g_assert_true (g_file_set_contents (file, "LABEL=evil\nARCH=x86_64\nMEMSIZE=256\n"
                                            "HDDBOOTIMAGE=evil.qcow2\n", -1, NULL));
  g_assert_cmpint (g_mkdir (vms, 0700), ==, 0);

  /* hangarctl import-ctys */
  g_assert_cmpint (ctl (vms, &out, &err, "import-ctys", file, "--base", vms, NULL), ==, 1);
  assert_contains (err, "hangarctl: import-ctys: ");
  assert_contains (err, "evil.qcow2: refused: its backing file “/etc/shadow” is outside");
  g_assert_false (g_file_test (made, G_FILE_TEST_EXISTS));

  /* the core import */
  imp = hg_ctys_parse_file (file, &error);
  g_assert_no_error (error);
  g_assert_false (hg_ctys_import_write (imp, vms, &path, &error));
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
  assert_contains (error->message, "evil.ctys: hard disk 0: ");
  assert_contains (error->message, "/etc/shadow");
  g_assert_null (path);
  g_assert_false (g_file_test (made, G_FILE_TEST_EXISTS));

  /* every kind of hostile hard disk */
  {
    g_autoptr(HostileSet) set = hostile_set_new ();

    hostile_set_make (set, dir);
    for (guint i = 0; i < G_N_ELEMENTS (set->kinds); i++)
      {
        g_autofree char *text = g_strdup_printf ("ARCH=x86_64\nMEMSIZE=256\nHDDBOOTIMAGE=%s\n",
                                                 set->kinds[i].file);
        g_autofree char *label = g_strdup_printf ("kind%u", i);
        g_autofree char *kind_file = g_strdup_printf ("%s/%s.ctys", dir, label);
        g_autofree char *kind_made = g_build_filename (vms, label, NULL);

        g_assert_true (g_file_set_contents (kind_file, text, -1, NULL));
        g_assert_cmpint (ctl (vms, &out, &err, "import-ctys", kind_file, "--base", vms, NULL), ==, 1);
        assert_contains (err, "hangarctl: import-ctys: ");
        assert_contains (err, set->kinds[i].needle);
        g_assert_false (g_file_test (kind_made, G_FILE_TEST_EXISTS));
      }
  }
  hg_test_remove_tree (dir);
}

/* Files an image names besides its backing file: a qcow2's external data
 * file, a VMDK's extents; refused outside the folder before qemu-img or
 * QEMU opens them */
static void
test_named_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hangar-named-XXXXXX", &error);
  g_autofree char *elsewhere = g_dir_make_tmp ("hangar-elsewhere-XXXXXX", &error);
  g_autofree char *data = g_build_filename (elsewhere, "data.raw", NULL);
  g_autofree char *qcow2 = g_build_filename (dir, "data.qcow2", NULL);
  g_autofree char *opt = g_strdup_printf ("data_file=%s", data);
  g_autofree char *vmdk = g_build_filename (dir, "flat.vmdk", NULL);
  g_autofree char *desc = NULL;
  g_autofree char *hostile = NULL;
  g_autoptr(HgDiskImageInfo) info = NULL;
  const char *allowed[] = { dir, NULL };
  const char *extent_line = "\"flat-flat.vmdk\"";
  char *at;

  if (caps->qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  img ("create", "-q", "-f", "qcow2", "-o", opt, qcow2, "16M", NULL);
  info = hg_disk_image_check (qcow2, "qcow2", allowed, NULL, "the VM's folder", NULL, &error);
  g_assert_null (info);
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
  assert_contains (error->message, "its external data file “");
  assert_contains (error->message, "data.raw” is outside the VM's folder");
  g_clear_error (&error);

  /* a VMDK descriptor whose extent is a host file */
  img ("create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", vmdk, "1M", NULL);
  info = hg_disk_image_check (vmdk, "vmdk", allowed, NULL, "the VM's folder", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&info, hg_disk_image_info_free);
  g_assert_true (g_file_get_contents (vmdk, &desc, NULL, NULL));
  at = strstr (desc, extent_line);
  g_assert_nonnull (at);
  *at = '\0';
  hostile = g_strconcat (desc, "\"/etc/shadow\"", at + strlen (extent_line), NULL);
  g_assert_true (g_file_set_contents (vmdk, hostile, -1, NULL));
  info = hg_disk_image_check (vmdk, "vmdk", allowed, NULL, "the VM's folder", NULL, &error);
  g_assert_null (info);
  g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE);
  assert_contains (error->message, "flat.vmdk: refused: its extent file “/etc/shadow” is outside");
  g_clear_error (&error);

  /* an extent on the network: refused before qemu-img would connect */
  {
    g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GSocket) peer = NULL;
    g_autofree char *nbd = NULL;

    g_assert_true (g_socket_bind (listener, addr, TRUE, NULL));
    g_assert_true (g_socket_listen (listener, NULL));
    g_socket_set_blocking (listener, FALSE);
    bound = g_socket_get_local_address (listener, NULL);
    nbd = g_strdup_printf ("\"nbd:127.0.0.1:%u\"",
                           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    g_free (hostile);
    hostile = g_strconcat (desc, nbd, at + strlen (extent_line), NULL);
    g_assert_true (g_file_set_contents (vmdk, hostile, -1, NULL));
    info = hg_disk_image_check (vmdk, "vmdk", allowed, NULL, "the VM's folder", NULL, &error);
    g_assert_null (info);
    g_assert_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_BACKING_NETWORK);
    assert_contains (error->message, "its extent file “nbd:127.0.0.1:");
    peer = g_socket_accept (listener, NULL, NULL);
    g_assert_null (peer);
  }
  hg_test_remove_tree (dir);
  hg_test_remove_tree (elsewhere);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();
  ctl_path = hg_test_hangarctl_path ();
  if (ctl_path == NULL)
    g_error ("hangarctl is not built (HANGAR_BUILD_ROOT=%s)", g_getenv ("HANGAR_BUILD_ROOT"));

  g_test_add_func ("/hangar/images/backing-host-file", test_backing_host_file);
  g_test_add_func ("/hangar/images/backing-json", test_backing_json);
  g_test_add_func ("/hangar/images/backing-nbd", test_backing_nbd);
  g_test_add_func ("/hangar/images/raw-device", test_raw_device);
  g_test_add_func ("/hangar/images/raw-stays-raw", test_raw_stays_raw);
  g_test_add_func ("/hangar/images/chain-boots", test_chain_boots);
  g_test_add_func ("/hangar/images/allow-backing", test_allow_backing);
  g_test_add_func ("/hangar/images/media-change", test_media_change);
  g_test_add_func ("/hangar/images/snapshot-load", test_snapshot_load);
  g_test_add_func ("/hangar/images/import-ctys", test_import_ctys);
  g_test_add_func ("/hangar/images/named-files", test_named_files);
  ret = g_test_run ();
  hg_host_caps_unref (caps);
  g_free (ctl_path);
  hg_test_runtime_cleanup ();
  return ret;
}
