/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <poll.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "hg-cmdline.h"
#include "hg-proc.h"
#include "hg-process.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-virtiofsd.h"
#include "hg-vm-shares.h"

/*
 * Shared folders ([share:N], hg-share.h, hg-vm-shares.h, hangarctl share):
 * the config's rules, the command line, bad input refused with nothing
 * changed, then real guests that mount a share, read a file the test
 * wrote and write one the test reads: virtiofs on the demo guest (as root,
 * and as a user who is not, through a user namespace), 9p read-write and
 * read-only on the i386 guest (Debian's cloud kernel has no 9p).
 */

#define BOOT_TIMEOUT_MS 120000
#define SHARE_USER "hangar-test-share"

static HgHostCaps *caps;

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 60000, __VA_ARGS__)

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static char *
make_folder (const char *base,
             const char *name,
             const char *hello)
{
  char *dir = g_build_filename (base, name, NULL);
  g_autofree char *file = g_build_filename (dir, "from-host.txt", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, hello, -1, NULL));
  return dir;
}

/* ---- config and command line ------------------------------------------- */

static void
assert_refused (const char *share_group,
                const char *needle)
{
  g_autofree char *data = g_strdup_printf ("[machine]\nlabel=s\narch=x86_64\n\n"
                                           "[share:0]\npath=/srv/a\ntag=a\n\n%s", share_group);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load_from_data (data, -1, "s.hangar", &error);

  g_assert_null (config);
  g_assert_nonnull (error);
  if (strstr (error->message, needle) == NULL)
    g_error ("«%s» lacks «%s»", error->message, needle);
}

static void
test_config (void)
{
  static const char text[] =
    "[machine]\nlabel=s\narch=x86_64\n\n"
    "[share:0]\n# the data\npath=/srv/data\ntag=data\nx-note=mine\n\n"
    "[share:1]\npath=/srv/docs\ntag=docs\nreadonly=true\ntransport=9p\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load_from_data (text, -1, "s.hangar", &error);
  g_autofree char *saved = NULL;
  HgShare *a, *b;

  g_assert_no_error (error);
  g_assert_cmpuint (config->shares->len, ==, 2);
  a = config->shares->pdata[0];
  b = config->shares->pdata[1];
  g_assert_cmpstr (a->path, ==, "/srv/data");
  g_assert_cmpstr (a->tag, ==, "data");
  g_assert_false (a->readonly);
  g_assert_cmpint (a->transport, ==, HG_SHARE_AUTO);
  g_assert_true (b->readonly);
  g_assert_cmpint (b->transport, ==, HG_SHARE_9P);
  /* saved as read, comments and unknown keys kept */
  saved = hg_vm_config_to_data (config, NULL);
  g_assert_nonnull (strstr (saved, strstr (text, "[share:0]")));
  /* removing the first keeps the second's keys */
  g_ptr_array_remove_index (config->shares, 0);
  g_free (saved);
  saved = hg_vm_config_to_data (config, NULL);
  g_assert_null (strstr (saved, "x-note"));
  g_assert_nonnull (strstr (saved, "[share:0]\npath=/srv/docs\ntag=docs\nreadonly=true\ntransport=9p"));

  assert_refused ("[share:1]\npath=/srv/b\ntag=a\n", "[share:1] tag: “a” is already the mount tag of [share:0]");
  assert_refused ("[share:1]\npath=/\ntag=b\n", "[share:1] path: the whole file system (/) is never shared");
  assert_refused ("[share:1]\npath=/srv/b\n", "[share:1] tag: a mount tag is required");
  assert_refused ("[share:1]\npath=/srv/b\ntag=a,b\n", "[share:1] tag: “a,b” is not a mount tag");
  assert_refused ("[share:1]\npath=/srv/b\ntag=abcdefghijabcdefghijabcdefghijabcdefg\n",
                  "is not a mount tag (1–36");
  assert_refused ("[share:1]\npath=/srv/b\ntag=b\ntransport=nfs\n",
                  "[share:1] transport: “nfs” is not a transport (auto, virtiofs or 9p)");
  assert_refused ("[share:1]\npath=/srv/b\ntag=b\nreadonly=true\ntransport=virtiofs\n",
                  "[share:1] transport: virtiofs cannot share read-only");
  assert_refused ("[share:1]\ntag=b\n", "[share:1] path: a path is required");
}

static char *
argv_text (HgVmConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgRuntimePaths) paths = hg_runtime_paths_new ("/run/user/1000/hangar", "id");
  g_auto(GStrv) argv = hg_cmdline_build (config, HG_BOOT_KERNEL, paths, caps, NULL, &error);

  g_assert_no_error (error);
  return g_strjoinv (" ", argv);
}

static void
test_cmdline (void)
{
  g_autofree char *base = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *rw = make_folder (base, "rw,dir", "x");
  g_autofree char *ro = make_folder (base, "ro", "x");
  g_autofree char *link = g_build_filename (base, "link", NULL);
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "cmd", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *want = NULL;
  g_auto(GStrv) argv = NULL;
  HgShare *share;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  share = hg_share_new (rw, "rw");
  share->transport = HG_SHARE_9P;
  g_ptr_array_add (config->shares, share);
  share = hg_share_new (ro, "ro");
  share->readonly = TRUE;
  g_ptr_array_add (config->shares, share);
  text = argv_text (config);
  /* the folder's comma escaped: one option, not two */
  want = g_strdup_printf ("-fsdev local,id=fsdev0,path=%s/rw,,dir,security_model=mapped-xattr "
                          "-device virtio-9p-pci,id=share0,fsdev=fsdev0,mount_tag=rw "
                          "-fsdev local,id=fsdev1,path=%s,security_model=mapped-xattr,readonly=on "
                          "-device virtio-9p-pci,id=share1,fsdev=fsdev1,mount_tag=ro", base, ro);
  if (strstr (text, want) == NULL)
    g_error ("«%s» lacks «%s»", text, want);
  g_assert_null (strstr (text, "memory-backend"));

  if (hg_virtiofsd_usable (NULL))
    {
      share->readonly = FALSE;
      share->transport = HG_SHARE_VIRTIOFS;
      g_free (text);
      text = argv_text (config);
      g_assert_nonnull (strstr (text, "-object memory-backend-memfd,id=hg-mem,size=256M,share=on "
                                      "-numa node,memdev=hg-mem -chardev socket,id=fs1,"
                                      "path=/run/user/1000/hangar/vms/id/virtiofs-1.sock "
                                      "-device vhost-user-fs-pci,id=share1,chardev=fs1,tag=ro"));
    }

  /* a folder that went away, or became a link, is refused at the build */
  g_assert_cmpint (symlink (ro, link), ==, 0);
  g_free (share->path);
  share->path = g_strdup (link);
  {
    g_autoptr(HgRuntimePaths) paths = hg_runtime_paths_new ("/run/user/1000/hangar", "id");

    argv = hg_cmdline_build (config, HG_BOOT_KERNEL, paths, caps, NULL, &error);
    g_assert_null (argv);
    g_assert_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_FOLDER);
    g_assert_nonnull (strstr (error->message, "[share:1] path: "));
    g_assert_nonnull (strstr (error->message, "is a symbolic link"));
    g_clear_error (&error);
  }
  hg_test_remove_tree (base);
  {
    g_autofree char *vms = g_path_get_dirname (config->dir);

    hg_test_remove_tree (vms);
  }
}

/* hangarctl share: bad input refused, naming it, the config unchanged */
static void
test_cli_bad_input (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "shbad", &base);
  g_autofree char *folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *data = make_folder (folders, "data", "x");
  g_autofree char *other = make_folder (folders, "other", "x");
  g_autofree char *file = g_build_filename (data, "from-host.txt", NULL);
  g_autofree char *link = g_build_filename (folders, "link", NULL);
  g_autofree char *missing = g_build_filename (folders, "missing", NULL);
  g_autofree char *out = NULL, *err = NULL, *before = NULL, *after = NULL;
  struct {
    const char *dir, *tag, *needle;
    int status;
  } bad[] = {
    { missing, NULL, "cannot be shared: No such file or directory", 2 },
    { file, NULL, "is not a folder", 2 },
    { "/", NULL, "the whole file system (/) is never shared", 2 },
    { link, NULL, "is a symbolic link", 2 },
    { other, "data", "has a share with the mount tag “data” already", 4 },
    { data, "again", "shares the folder", 4 },
    { other, "a/b", "Mount tag “a/b”", 2 },
  };

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_assert_cmpint (symlink (other, link), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "share", "shbad", "add", data, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "as “data”"));
  g_assert_nonnull (strstr (out, "In the guest: mount -t"));
  before = read_file (config->path);
  g_assert_nonnull (strstr (before, "[share:0]"));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      int status = bad[i].tag != NULL
                     ? ctl (base, &out, &err, "share", "shbad", "add", bad[i].dir, "--tag", bad[i].tag, NULL)
                     : ctl (base, &out, &err, "share", "shbad", "add", bad[i].dir, NULL);

      if (status != bad[i].status || strstr (err, bad[i].needle) == NULL)
        g_error ("share add %s: status %d, «%s» lacks «%s»", bad[i].dir, status, err, bad[i].needle);
      /* the folder is named (the tag where the tag is wrong) */
      if (bad[i].status == 2 && bad[i].tag == NULL)
        g_assert_nonnull (strstr (err, g_str_equal (bad[i].dir, "/") ? "(/)" : bad[i].dir));
      g_clear_pointer (&after, g_free);
      after = read_file (config->path);
      g_assert_cmpstr (after, ==, before);
    }
  g_assert_cmpint (ctl (base, &out, &err, "share", "shbad", "add", other, "--readonly",
                        "--transport", "virtiofs", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "virtiofs cannot share read-only"));
  g_assert_cmpint (ctl (base, &out, &err, "share", "shbad", "remove", "nope", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "no share with the tag or folder “nope”"));
  g_clear_pointer (&after, g_free);
  after = read_file (config->path);
  g_assert_cmpstr (after, ==, before);

  g_assert_cmpint (ctl (base, &out, &err, "share", "shbad", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, data));
  g_assert_cmpint (ctl (base, &out, &err, "share", "shbad", "remove", "data", NULL), ==, 0);
  g_clear_pointer (&after, g_free);
  after = read_file (config->path);
  g_assert_null (strstr (after, "[share:0]"));
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
}

/* ---- real guests ------------------------------------------------------- */

/* The guest mounts tag on /mnt/tag, prints the host's file, writes its own */
static void
guest_mount_rw (HgTestSerial *serial,
                const char   *mount,
                const char   *tag,
                const char   *hello)
{
  g_autofree char *cmd = g_strdup_printf ("mkdir -p /mnt/%s && %s && cat /mnt/%s/from-host.txt "
                                          "&& echo from-guest-$((6*7)) >/mnt/%s/from-guest.txt "
                                          "&& sync && echo WROTE-$((40+2))\n",
                                          tag, mount, tag, tag);

  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, cmd);
  if (!hg_test_serial_wait_for (serial, "WROTE-42", 60000))
    g_error ("the guest did not mount and write %s: %s", tag, hg_test_serial_output (serial));
  g_assert_nonnull (strstr (hg_test_serial_output (serial), hello));
}

/* A link in the share to a host file outside it: the guest resolves it in
 * its own tree, never reaching the host's file */
static void
guest_no_escape (HgTestSerial *serial,
                 const char   *folder,
                 const char   *tag)
{
  g_autofree char *outside = g_build_filename (folder, "..", "outside-secret.txt", NULL);
  g_autofree char *real_outside = NULL;
  g_autofree char *link = g_build_filename (folder, "escape", NULL);
  g_autofree char *cmd = g_strdup_printf ("cat /mnt/%s/escape; echo ESCAPE-$((40+2))\n", tag);

  real_outside = g_canonicalize_filename (outside, NULL);
  g_assert_true (g_file_set_contents (real_outside, "host-secret-outside\n", -1, NULL));
  g_assert_cmpint (symlink (real_outside, link), ==, 0);
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, cmd);
  g_assert_true (hg_test_serial_wait_for (serial, "ESCAPE-42", 30000));
  g_assert_null (strstr (hg_test_serial_output (serial), "host-secret-outside"));
}

static HgTestSerial *
boot (HgVm       *vm,
      const char *banner)
{
  g_autoptr(GError) error = NULL;
  HgTestSerial *serial;

  hg_test_vm_start (vm, 0);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, banner, BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  return serial;
}

static char *
with_shares_append (HgVmConfig *config)
{
  return g_strconcat (config->append != NULL ? config->append : "", " hangar.shares", NULL);
}

static void
test_virtiofs (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "vfs", &base);
  g_autofree char *folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *data = make_folder (folders, "data", "hello-virtiofs");
  g_autofree char *written = g_build_filename (data, "from-guest.txt", NULL);
  g_autofree char *out = NULL, *err = NULL, *text = NULL, *why = NULL, *append = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgRuntimePaths) paths = NULL;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  if (!hg_virtiofsd_usable (&why))
    {
      hg_test_skip_or_fail (why);
      return;
    }
  append = with_shares_append (config);
  g_free (config->append);
  config->append = g_steal_pointer (&append);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ctl (base, &out, &err, "share", "vfs", "add", data, "--transport", "virtiofs", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "In the guest: mount -t virtiofs data /mnt"));
  g_clear_pointer (&config, hg_vm_config_unref);
  {
    g_autofree char *path = g_build_filename (base, "vfs", "vfs.hangar", NULL);

    config = hg_vm_config_load (path, &error);
    g_assert_no_error (error);
  }
  vm = hg_vm_new_full (config, NULL, caps);
  serial = boot (vm, "Welcome to the Hangar demo VM");
  guest_mount_rw (serial, "mount -t virtiofs data /mnt/data", "data", "hello-virtiofs");
  text = read_file (written);
  g_assert_cmpstr (text, ==, "from-guest-42\n");
  guest_no_escape (serial, data, "data");

  /* while it runs: saved, for the next start */
  {
    g_autofree char *more = make_folder (folders, "more", "x");

    g_assert_cmpint (ctl (base, &out, &err, "share", "vfs", "add", more, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "takes effect at the next start"));
  }

  /* virtiofsd goes with QEMU */
  paths = hg_process_runtime_paths_for_config (config, NULL);
  {
    g_autofree char *pidfile = hg_virtiofsd_runtime_file (paths, 0, "pid");
    g_autofree char *pidtext = read_file (pidfile);
    GPid pid = (GPid) g_ascii_strtoll (pidtext, NULL, 10);
    int pidfd;
    struct pollfd pfd;

    g_assert_cmpint (pid, >, 1);
    pidfd = hg_proc_pidfd_open (pid);
    g_assert_cmpint (pidfd, >=, 0);
    hg_test_vm_kill (vm);
    /* a pidfd is readable once the process ended */
    pfd.fd = pidfd;
    pfd.events = POLLIN;
    g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
    close (pidfd);
  }
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
}

/* Every virtiofsd sharing folder has ended (or ends within 10 s): proven
 * by executable and command line, waited for on a pidfd */
static void
assert_no_virtiofsd_of (const char *folder)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *source = g_strconcat ("source=", folder, NULL);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);
      g_autofree char *exe = NULL;
      g_auto(GStrv) argv = NULL;
      gboolean ours = FALSE;

      if (pid <= 1)
        continue;
      exe = hg_proc_exe_name (pid);
      argv = hg_proc_cmdline (pid);
      if (g_strcmp0 (exe, "virtiofsd") != 0 || argv == NULL)
        continue;
      for (guint i = 0; argv[i] != NULL; i++)
        ours = ours || g_str_equal (argv[i], source);
      if (ours && hg_proc_pid_is_alive (pid))
        {
          int pidfd = hg_proc_pidfd_open (pid);
          struct pollfd pfd = { pidfd, POLLIN, 0 };

          if (pidfd >= 0 && poll (&pfd, 1, 10000) != 1)
            g_error ("virtiofsd %d of %s outlived the failed start", (int) pid, folder);
          if (pidfd >= 0)
            close (pidfd);
        }
    }
}

/* QEMU fails after virtiofsd started: the start's error is QEMU's own,
 * and no virtiofsd is left.  (Here QEMU has connected to virtiofsd before
 * it fails, so virtiofsd also ends by itself; the start's own kill is for
 * a QEMU that dies before it connects.) */
static void
test_virtiofs_failed_start (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "vfsbad", &base);
  g_autofree char *folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *data = make_folder (folders, "data", "x");
  g_autofree char *kernel = NULL, *why = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  HgShare *share;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  if (!hg_virtiofsd_usable (&why))
    {
      hg_test_skip_or_fail (why);
      return;
    }
  /* a "kernel" QEMU refuses once it runs */
  kernel = g_build_filename (config->dir, "not-a-kernel", NULL);
  g_assert_true (g_file_set_contents (kernel, "this is no kernel\n", -1, NULL));
  g_free (config->kernel);
  config->kernel = g_strdup (kernel);
  share = hg_share_new (data, "data");
  share->transport = HG_SHARE_VIRTIOFS;
  g_ptr_array_add (config->shares, share);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);

  vm = hg_vm_new_full (config, NULL, caps);
  hg_vm_start_async (vm, HG_BOOT_KERNEL, 0, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, "exited during start") == NULL)
    g_error ("unexpected start error: %s", error->message);
  assert_no_virtiofsd_of (data);
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
}

static int
listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  g_unlink (path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  return fd;
}

/* A start kills the virtiofsd a dead start of the same VM left, proven
 * by its environment; one of another VM whose pid the pidfile names is
 * left alone */
static void
test_virtiofs_leftover (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "vfsleft", &base);
  g_autofree char *folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *data = make_folder (folders, "data", "x");
  g_autofree char *why = NULL, *sock = NULL, *other_sock = NULL, *pidfile = NULL, *text = NULL;
  g_autoptr(HgRuntimePaths) paths = NULL;
  g_autoptr(HgRuntimePaths) other = NULL;
  g_autoptr(GSubprocess) leftover = NULL;
  g_autoptr(GSubprocess) decoy = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  struct pollfd pfd;
  HgShare *share;
  GPid leftover_pid, decoy_pid;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  if (!hg_virtiofsd_usable (&why))
    {
      hg_test_skip_or_fail (why);
      return;
    }
  share = hg_share_new (data, "data");
  share->transport = HG_SHARE_VIRTIOFS;
  g_ptr_array_add (config->shares, share);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  paths = hg_process_runtime_paths_for_config (config, NULL);
  g_assert_true (hg_process_prepare_runtime_dir (paths, &error));
  other = hg_runtime_paths_new (paths->root, "another-vm");
  g_assert_true (hg_process_prepare_runtime_dir (other, &error));

  /* this VM's, left by a start that died: [share:1] */
  sock = hg_virtiofsd_runtime_file (paths, 1, "sock");
  leftover = hg_virtiofsd_spawn (data, paths, 1, listen_at (sock), &error);
  g_assert_no_error (error);
  leftover_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (leftover), NULL, 10);
  pfd.fd = hg_proc_pidfd_open (leftover_pid);
  pfd.events = POLLIN;
  g_assert_cmpint (pfd.fd, >=, 0);
  /* another VM's, its pid in this VM's pidfile of [share:2] */
  other_sock = hg_virtiofsd_runtime_file (other, 0, "sock");
  decoy = hg_virtiofsd_spawn (data, other, 0, listen_at (other_sock), &error);
  g_assert_no_error (error);
  decoy_pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (decoy), NULL, 10);
  pidfile = hg_virtiofsd_runtime_file (paths, 2, "pid");
  text = g_strdup_printf ("%d\n", (int) decoy_pid);
  g_assert_true (g_file_set_contents (pidfile, text, -1, NULL));

  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, 0);
  g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
  close (pfd.fd);
  g_assert_true (hg_proc_pid_is_alive (decoy_pid));
  hg_test_vm_kill (vm);
  g_subprocess_force_exit (decoy);
  g_assert_true (g_subprocess_wait (decoy, NULL, NULL));
  g_assert_true (g_subprocess_wait (leftover, NULL, NULL));
  hg_test_remove_tree (other->dir);
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
}

static void
test_9p (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("i386", "p9", &base);
  g_autofree char *folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  g_autofree char *rw = make_folder (folders, "rw", "hello-9p-rw");
  g_autofree char *ro = make_folder (folders, "ro", "hello-9p-ro");
  g_autofree char *written = g_build_filename (rw, "from-guest.txt", NULL);
  g_autofree char *not_written = g_build_filename (ro, "from-guest.txt", NULL);
  g_autofree char *text = NULL, *append = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  HgShare *share;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("i386 guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_free (config->arch);
  config->arch = g_strdup ("i386");
  config->console = HG_CONSOLE_NONE;
  append = with_shares_append (config);
  g_free (config->append);
  config->append = g_steal_pointer (&append);
  share = hg_share_new (rw, "rw");
  share->transport = HG_SHARE_9P;
  g_ptr_array_add (config->shares, share);
  share = hg_share_new (ro, "ro");
  share->readonly = TRUE;
  g_ptr_array_add (config->shares, share);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);

  vm = hg_vm_new_full (config, NULL, caps);
  serial = boot (vm, "Welcome to the Hangar i386 VM");
  guest_mount_rw (serial, "mount -t 9p -o trans=virtio,version=9p2000.L rw /mnt/rw", "rw",
                  "hello-9p-rw");
  text = read_file (written);
  g_assert_cmpstr (text, ==, "from-guest-42\n");
  guest_no_escape (serial, rw, "rw");

  /* read-only: read, but a write is refused */
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "mkdir -p /mnt/ro && mount -t 9p -o trans=virtio,version=9p2000.L "
                                "ro /mnt/ro && cat /mnt/ro/from-host.txt; echo x >/mnt/ro/from-guest.txt "
                                "|| echo REFUSED-$((40+2))\n");
  g_assert_true (hg_test_serial_wait_for (serial, "REFUSED-42", 60000));
  g_assert_nonnull (strstr (hg_test_serial_output (serial), "hello-9p-ro"));
  g_assert_nonnull (strstr (hg_test_serial_output (serial), "Read-only file system"));
  g_assert_false (g_file_test (not_written, G_FILE_TEST_EXISTS));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
}

/* chown -R of what the test made for the user (no links in it) */
static void
give_to (const char *path,
         uid_t       uid,
         gid_t       gid)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_cmpint (lchown (path, uid, gid), ==, 0);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      give_to (child, uid, gid);
    }
}

/* hangarctl run as the user, with the user's runtime and cache folders */
static int
ctl_as (const struct passwd *pw,
        const char          *runtime,
        const char          *cache,
        const char          *base,
        char               **err,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *uid = g_strdup_printf ("%u", (guint) pw->pw_uid);
  g_autofree char *gid = g_strdup_printf ("%u", (guint) pw->pw_gid);
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, g_strdup (setpriv));
  g_ptr_array_add (argv, g_strdup ("--reuid"));
  g_ptr_array_add (argv, g_strdup (uid));
  g_ptr_array_add (argv, g_strdup ("--regid"));
  g_ptr_array_add (argv, g_strdup (gid));
  g_ptr_array_add (argv, g_strdup ("--clear-groups"));
  g_ptr_array_add (argv, g_strdup ("/usr/bin/env"));
  g_ptr_array_add (argv, g_strconcat ("HANGAR_RUNTIME_DIR=", runtime, NULL));
  g_ptr_array_add (argv, g_strconcat ("XDG_CACHE_HOME=", cache, NULL));
  g_ptr_array_add (argv, g_strconcat ("HOME=", cache, NULL));
  g_ptr_array_add (argv, hg_test_hangarctl_path ());
  g_ptr_array_add (argv, g_strdup ("--base"));
  g_ptr_array_add (argv, g_strdup (base));
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (err, g_free);
  return hg_test_run ((const char * const *) argv->pdata, NULL, err, 120000);
}

/* virtiofs for a user who is not root: virtiofsd in a user namespace of
 * its own, the guest's files the user's on the host */
static void
test_virtiofs_user (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autofree char *folders = NULL, *data = NULL, *written = NULL, *runtime = NULL;
  g_autofree char *cache = NULL, *err = NULL, *text = NULL, *why = NULL, *append = NULL;
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  g_autoptr(HgRuntimePaths) paths = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  struct passwd *pw;
  struct stat st;
  int pidfd;
  GPid pid;

  if (getuid () != 0)
    {
      /* the user case is /hangar/shares/virtiofs itself */
      g_test_message ("not root: /hangar/shares/virtiofs ran as a user already");
      return;
    }
  if (setpriv == NULL || !g_file_test ("/usr/sbin/useradd", G_FILE_TEST_IS_EXECUTABLE))
    {
      hg_test_skip_or_fail ("setpriv or useradd is missing (util-linux, passwd)");
      return;
    }
  if (getpwnam (SHARE_USER) == NULL)
    {
      const char *argv[] = { "/usr/sbin/useradd", "--system", "--no-create-home", "--shell",
                             "/usr/sbin/nologin", SHARE_USER, NULL };

      g_assert_cmpint (hg_test_run (argv, NULL, &err, 30000), ==, 0);
    }
  pw = getpwnam (SHARE_USER);
  g_assert_nonnull (pw);
  config = hg_test_make_vm ("demo", "vfsu", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  /* what the user's own hangar would see: a virtiofsd that can run */
  {
    g_autofree char *out = NULL;
    const char *argv[] = { setpriv, "--reuid", SHARE_USER, "--regid", SHARE_USER, "--clear-groups",
                           "/usr/bin/unshare", "--user", "--map-root-user", "true", NULL };

    if (hg_test_run (argv, &out, &err, 30000) != 0)
      {
        hg_test_skip_or_fail_printf ("this host gives users no user namespace: %s", err);
        return;
      }
  }
  append = with_shares_append (config);
  g_free (config->append);
  config->append = g_steal_pointer (&append);
  folders = g_dir_make_tmp ("hgshare-XXXXXX", NULL);
  data = make_folder (folders, "data", "hello-user-virtiofs");
  written = g_build_filename (data, "from-guest.txt", NULL);
  {
    HgShare *share = hg_share_new (data, "data");

    share->transport = HG_SHARE_VIRTIOFS;
    g_ptr_array_add (config->shares, share);
  }
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  runtime = g_dir_make_tmp ("hgrtu-XXXXXX", NULL);
  cache = g_dir_make_tmp ("hgcache-XXXXXX", NULL);
  give_to (base, pw->pw_uid, pw->pw_gid);
  give_to (folders, pw->pw_uid, pw->pw_gid);
  give_to (runtime, pw->pw_uid, pw->pw_gid);
  give_to (cache, pw->pw_uid, pw->pw_gid);

  if (ctl_as (pw, runtime, cache, base, &err, "start", "vfsu", NULL) != 0)
    g_error ("hangarctl start as %s: %s", SHARE_USER, err);
  paths = hg_process_runtime_paths_for_config (config, runtime);
  {
    g_autofree char *pidfile = hg_virtiofsd_runtime_file (paths, 0, "pid");
    g_autofree char *pidtext = read_file (pidfile);
    g_autofree char *exe = NULL;
    g_autofree char *proc = NULL;

    pid = (GPid) g_ascii_strtoll (pidtext, NULL, 10);
    pidfd = hg_proc_pidfd_open (pid);
    g_assert_cmpint (pidfd, >=, 0);
    exe = hg_proc_exe_name (pid);
    g_assert_cmpstr (exe, ==, "virtiofsd");
    proc = g_strdup_printf ("/proc/%d", (int) pid);
    g_assert_cmpint (stat (proc, &st), ==, 0);
    g_assert_cmpuint (st.st_uid, ==, pw->pw_uid);
  }
  serial = hg_test_serial_open (paths->serial, &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  guest_mount_rw (serial, "mount -t virtiofs data /mnt/data", "data", "hello-user-virtiofs");
  text = read_file (written);
  g_assert_cmpstr (text, ==, "from-guest-42\n");
  /* written by the guest's root: the user's file on the host */
  g_assert_cmpint (stat (written, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, pw->pw_uid);

  g_assert_cmpint (ctl_as (pw, runtime, cache, base, &err, "kill", "vfsu", NULL), ==, 0);
  {
    struct pollfd pfd = { pidfd, POLLIN, 0 };

    g_assert_cmpint (poll (&pfd, 1, 10000), ==, 1);
    close (pidfd);
  }
  hg_test_remove_tree (folders);
  hg_test_remove_tree (base);
  hg_test_remove_tree (runtime);
  hg_test_remove_tree (cache);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/shares/config", test_config);
  g_test_add_func ("/hangar/shares/cmdline", test_cmdline);
  g_test_add_func ("/hangar/shares/cli-bad-input", test_cli_bad_input);
  g_test_add_func ("/hangar/shares/virtiofs", test_virtiofs);
  g_test_add_func ("/hangar/shares/virtiofs-user", test_virtiofs_user);
  g_test_add_func ("/hangar/shares/virtiofs-failed-start", test_virtiofs_failed_start);
  g_test_add_func ("/hangar/shares/virtiofs-leftover", test_virtiofs_leftover);
  g_test_add_func ("/hangar/shares/9p", test_9p);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
