/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-ssh.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

/*
 * hangarctl --connect over a real OpenSSH: Debian's sshd on a loopback port
 * with its own host key and config, logging in a second local user made
 * for the test, whose PATH (sshd's SetEnv) has a copy of the build's
 * hangarctl.  The client uses an ssh_config of its own (--ssh-config):
 * the key, known_hosts and the Host alias "hgt".
 *
 * The cases run in order on one sshd: the refusals first (no master
 * connection yet), then a VM's life over one connection, the master killed
 * and made again, and last, no ssh process left.
 */

#define TEST_USER "hangar-remote-t"
#define CMD_TIMEOUT_MS 60000
#define BOOT_TIMEOUT_MS 120000

typedef struct {
  char       *tmp;          /* 0755, root's */
  char       *home;         /* the test user's */
  char       *ssh_config;
  char       *ssh_config_bad;   /* known_hosts with another key for the host */
  char       *hangarctl;    /* the build's */
  char       *guest_kernel;
  char       *guest_initrd;
  char       *guest_append;
  char       *runtime;      /* ours: the master's socket is in it */
  uid_t       uid;
  GSubprocess *sshd;
  GString    *sshd_log;
  gboolean    sshd_log_ended;
  GDataInputStream *sshd_err;
  char       *skip;         /* why the cases cannot run */
} Fixture;

static Fixture fx;

/* ---- running things ---------------------------------------------------------- */

static int
run_argv (const char * const *argv,
          char              **out,
          char              **err)
{
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  int status = hg_test_run (argv, &o, &e, CMD_TIMEOUT_MS);

  g_assert_cmpint (status, !=, -1);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return status;
}

static void
must_run (const char * const *argv)
{
  g_autofree char *err = NULL;
  int status = run_argv (argv, NULL, &err);

  if (status != 0)
    g_error ("%s failed (%d): %s", argv[0], status, err);
}

/* hangarctl --ssh-config CFG --connect hgt args… */
static GPtrArray *
remote_argv_va (const char *config,
                va_list     ap)
{
  GPtrArray *argv = g_ptr_array_new ();
  const char *a;

  g_ptr_array_add (argv, fx.hangarctl);
  g_ptr_array_add (argv, (char *) "--ssh-config");
  g_ptr_array_add (argv, (char *) config);
  g_ptr_array_add (argv, (char *) "--connect");
  g_ptr_array_add (argv, (char *) "hgt");
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  g_ptr_array_add (argv, NULL);
  return argv;
}

G_GNUC_NULL_TERMINATED static int
remote (char      **out,
        char      **err,
        ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list ap;

  va_start (ap, err);
  argv = remote_argv_va (fx.ssh_config, ap);
  va_end (ap);
  return run_argv ((const char * const *) argv->pdata, out, err);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* ---- sshd's log ---------------------------------------------------------------- */

static void
on_sshd_line (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, NULL);

  if (line == NULL)
    {
      fx.sshd_log_ended = TRUE;
      return;
    }
  if (fx.sshd_err == NULL)
    return;
  g_string_append (fx.sshd_log, line);
  g_string_append_c (fx.sshd_log, '\n');
  g_data_input_stream_read_line_async (fx.sshd_err, G_PRIORITY_DEFAULT, NULL, on_sshd_line, NULL);
}

static guint
count_in_log (const char *needle)
{
  guint n = 0;

  for (const char *p = fx.sshd_log->str; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

typedef struct {
  const char *needle;
  guint       count;
} LogCount;

static gboolean
log_count_reached (gpointer data)
{
  LogCount *c = data;

  return count_in_log (c->needle) >= c->count;
}

/* Logins so far: each is one SSH connection */
#define LOGIN "Accepted publickey for " TEST_USER

/* ---- processes --------------------------------------------------------------------- */

/* ssh processes whose command line names our runtime dir (the master is
 * "ssh: <runtime>/ssh-<hash> [mux]") */
static guint
count_our_ssh (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (g_str_has_prefix (cmdline, "ssh") && strstr (cmdline, fx.runtime) != NULL)
        n++;
    }
  return n;
}

static gboolean
no_ssh_left (gpointer data)
{
  return count_our_ssh () == 0;
}

/* hangarctl processes of the test user (on "the remote host") */
static guint
count_remote_hangarctl (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *dir = g_build_filename ("/proc", name, NULL);
      g_autofree char *comm_path = g_build_filename (dir, "comm", NULL);
      g_autofree char *comm = NULL;
      struct stat st;

      if (!g_ascii_isdigit (name[0]) || stat (dir, &st) != 0 || st.st_uid != fx.uid ||
          !g_file_get_contents (comm_path, &comm, NULL, NULL))
        continue;
      if (g_str_has_prefix (comm, "hangarctl"))
        n++;
    }
  return n;
}

static gboolean
no_remote_hangarctl (gpointer data)
{
  return count_remote_hangarctl () == 0;
}

/* A failed assertion: what the test started goes (by pid: the test
 * user's processes, our ssh master, sshd); teardown() does not run */
static char abort_runtime[256];
static uid_t abort_uid;
static pid_t abort_sshd;

static void
on_abort (int sig)
{
  static char buf[4096];
  DIR *proc = opendir ("/proc");
  struct dirent *de;

  while (proc != NULL && (de = readdir (proc)) != NULL)
    {
      char path[64];
      struct stat st;
      ssize_t len;
      int fd;
      pid_t pid = (pid_t) strtol (de->d_name, NULL, 10);

      if (pid <= 1 || pid == getpid ())
        continue;
      snprintf (path, sizeof path, "/proc/%d", (int) pid);
      if (abort_uid != 0 && stat (path, &st) == 0 && st.st_uid == abort_uid)
        {
          kill (pid, SIGKILL);
          continue;
        }
      snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
      if (abort_runtime[0] == '\0' || (fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        continue;
      len = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (len <= 0)
        continue;
      buf[len] = '\0';
      if (strncmp (buf, "ssh", 3) == 0 && strstr (buf, abort_runtime) != NULL)
        kill (pid, SIGKILL);
    }
  if (proc != NULL)
    closedir (proc);
  if (abort_sshd > 0)
    kill (abort_sshd, SIGTERM);
  signal (sig, SIG_DFL);
  raise (sig);
}

/* ---- the fixture --------------------------------------------------------------------- */

static void
write_file (const char *path,
            const char *text,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
keygen (const char *path)
{
  const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hangar-test",
                         "-f", path, NULL };

  must_run (argv);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_strchomp (text);
}

static void
remove_user (void)
{
  const char *argv[] = { g_file_test ("/usr/sbin/userdel", G_FILE_TEST_IS_EXECUTABLE)
                           ? "/usr/sbin/userdel" : "userdel", TEST_USER, NULL };

  if (getpwnam (TEST_USER) != NULL)
    must_run (argv);
}

static void
chown_to_user (const char *path)
{
  g_assert_cmpint (chown (path, fx.uid, fx.uid), ==, 0);
}

static void
copy_file (const char *from,
           const char *to,
           int         mode)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_file_get_contents (from, &data, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, data, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (to, mode), ==, 0);
}

static gboolean
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hostkey = NULL, *hostkey_pub = NULL, *other = NULL, *other_pub = NULL;
  g_autofree char *client = NULL, *client_pub = NULL, *ssh_dir = NULL, *auth = NULL;
  g_autofree char *sshd_config = NULL, *known = NULL, *known_bad = NULL;
  g_autofree char *bin = NULL, *remote_runtime = NULL, *guest = NULL;
  g_autofree char *kernel = hg_test_guest_file ("demo", "vmlinuz");
  g_autofree char *initrd = hg_test_guest_file ("demo", "initrd.img");
  g_autofree char *cmdline = hg_test_guest_file ("demo", "cmdline");
  g_autofree char *build_ctl = hg_test_hangarctl_path ();
  g_autofree char *text = NULL;
  g_autofree char *ssh = g_find_program_in_path ("ssh");
  g_autofree char *ssh_keygen = g_find_program_in_path ("ssh-keygen");
  const char *useradd = g_file_test ("/usr/sbin/useradd", G_FILE_TEST_IS_EXECUTABLE)
                          ? "/usr/sbin/useradd" : "useradd";
  guint16 port;
  struct passwd *pw;

  if (geteuid () != 0)
    {
      fx.skip = g_strdup ("sshd logs in another user only when run as root");
      return FALSE;
    }
  if (!g_file_test ("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE) || ssh == NULL || ssh_keygen == NULL)
    {
      fx.skip = g_strdup ("OpenSSH (openssh-server, openssh-client) is not installed");
      return FALSE;
    }
  if (kernel == NULL || initrd == NULL || cmdline == NULL || build_ctl == NULL)
    {
      fx.skip = g_strdup ("the demo guest or the build's hangarctl is missing");
      return FALSE;
    }

  hg_test_runtime_init ();
  fx.runtime = g_strdup (g_getenv ("HANGAR_RUNTIME_DIR"));
  g_strlcpy (abort_runtime, fx.runtime, sizeof abort_runtime);
  signal (SIGABRT, on_abort);
  signal (SIGTRAP, on_abort);
  fx.tmp = g_dir_make_tmp ("hgr-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (fx.tmp, 0755), ==, 0);
  fx.home = g_build_filename (fx.tmp, "home", NULL);

  /* the second user, its home in our temp dir */
  remove_user ();
  {
    const char *argv[] = { useradd, "--no-create-home", "--home-dir", fx.home,
                           "--shell", "/bin/sh", "--password", "*", "--user-group",
                           TEST_USER, NULL };
    must_run (argv);
  }
  pw = getpwnam (TEST_USER);
  g_assert_nonnull (pw);
  fx.uid = pw->pw_uid;
  abort_uid = fx.uid;
  g_assert_cmpint (g_mkdir (fx.home, 0755), ==, 0);
  chown_to_user (fx.home);

  /* the build's hangarctl, where that user can run it whatever the
   * permissions of the build tree; the guest likewise */
  bin = g_build_filename (fx.tmp, "bin", NULL);
  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);
  fx.hangarctl = g_build_filename (bin, "hangarctl", NULL);
  copy_file (build_ctl, fx.hangarctl, 0755);
  guest = g_build_filename (fx.tmp, "guest", NULL);
  g_assert_cmpint (g_mkdir (guest, 0755), ==, 0);
  fx.guest_kernel = g_build_filename (guest, "vmlinuz", NULL);
  fx.guest_initrd = g_build_filename (guest, "initrd.img", NULL);
  copy_file (kernel, fx.guest_kernel, 0644);
  copy_file (initrd, fx.guest_initrd, 0644);
  fx.guest_append = read_text (cmdline);
  remote_runtime = g_build_filename (fx.tmp, "rt", NULL);
  g_assert_cmpint (g_mkdir (remote_runtime, 0700), ==, 0);
  chown_to_user (remote_runtime);

  /* keys: the server's, another one, the client's */
  hostkey = g_build_filename (fx.tmp, "hostkey", NULL);
  other = g_build_filename (fx.tmp, "otherkey", NULL);
  client = g_build_filename (fx.tmp, "client", NULL);
  keygen (hostkey);
  keygen (other);
  keygen (client);
  hostkey_pub = g_strconcat (hostkey, ".pub", NULL);
  other_pub = g_strconcat (other, ".pub", NULL);
  client_pub = g_strconcat (client, ".pub", NULL);

  ssh_dir = g_build_filename (fx.home, ".ssh", NULL);
  g_assert_cmpint (g_mkdir (ssh_dir, 0700), ==, 0);
  chown_to_user (ssh_dir);
  auth = g_build_filename (ssh_dir, "authorized_keys", NULL);
  text = read_text (client_pub);
  write_file (auth, text, 0600);
  chown_to_user (auth);
  g_clear_pointer (&text, g_free);

  port = hg_test_free_port (SOCK_STREAM);
  sshd_config = g_build_filename (fx.tmp, "sshd_config", NULL);
  text = g_strdup_printf ("ListenAddress 127.0.0.1\n"
                          "Port %u\n"
                          "HostKey %s\n"
                          "PidFile none\n"
                          "UsePAM no\n"
                          "StrictModes yes\n"
                          "AuthorizedKeysFile .ssh/authorized_keys\n"
                          "PasswordAuthentication no\n"
                          "KbdInteractiveAuthentication no\n"
                          "AllowUsers %s\n"
                          "AllowStreamLocalForwarding yes\n"
                          "X11Forwarding no\n"
                          "SetEnv PATH=%s:/usr/bin:/bin XDG_RUNTIME_DIR=%s\n"
                          "LogLevel INFO\n",
                          port, hostkey, TEST_USER, bin, remote_runtime);
  write_file (sshd_config, text, 0644);
  g_clear_pointer (&text, g_free);

  known = g_build_filename (fx.tmp, "known_hosts", NULL);
  known_bad = g_build_filename (fx.tmp, "known_hosts_bad", NULL);
  {
    g_autofree char *key = read_text (hostkey_pub);
    g_autofree char *okey = read_text (other_pub);
    g_autofree char *line = g_strdup_printf ("[127.0.0.1]:%u %s\n", port, key);
    g_autofree char *oline = g_strdup_printf ("[127.0.0.1]:%u %s\n", port, okey);

    write_file (known, line, 0644);
    write_file (known_bad, oline, 0644);
  }
  for (int bad = 0; bad < 2; bad++)
    {
      char *path = g_build_filename (fx.tmp, bad ? "ssh_config_bad" : "ssh_config", NULL);

      text = g_strdup_printf ("Host hgt\n"
                              "  HostName 127.0.0.1\n"
                              "  Port %u\n"
                              "  User %s\n"
                              "  IdentityFile %s\n"
                              "  IdentitiesOnly yes\n"
                              "  UserKnownHostsFile %s\n"
                              "  GlobalKnownHostsFile /dev/null\n"
                              "  StrictHostKeyChecking yes\n"
                              "  BatchMode yes\n",
                              port, TEST_USER, client, bad ? known_bad : known);
      write_file (path, text, 0644);
      g_clear_pointer (&text, g_free);
      if (bad)
        fx.ssh_config_bad = path;
      else
        fx.ssh_config = path;
    }

  /* sshd in the foreground, its log on stderr: it listens once it said so */
  g_mkdir_with_parents ("/run/sshd", 0755);   /* its privilege separation dir */
  {
    const char *argv[] = { "/usr/sbin/sshd", "-D", "-e", "-f", sshd_config, NULL };
    LogCount listening = { "Server listening on 127.0.0.1", 1 };

    /* (not our stdout: a failed case must not leave the test's reader
     * waiting on sshd) */
    fx.sshd = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    g_assert_no_error (error);
    fx.sshd_log = g_string_new (NULL);
    fx.sshd_err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (fx.sshd));
    g_data_input_stream_read_line_async (fx.sshd_err, G_PRIORITY_DEFAULT, NULL, on_sshd_line, NULL);
    abort_sshd = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (fx.sshd), NULL, 10);
    if (!hg_test_wait_until (log_count_reached, &listening, 20000))
      g_error ("sshd did not start: %s", fx.sshd_log->str);
  }
  return TRUE;
}

static gboolean
sshd_log_ended (gpointer data)
{
  return fx.sshd_log_ended;
}

static void
teardown (void)
{
  if (fx.sshd != NULL)
    {
      const char *argv[] = { fx.hangarctl, "--ssh-config", fx.ssh_config, "--connect", "hgt",
                             "disconnect", NULL };
      g_autofree char *out = NULL, *err = NULL;

      /* nothing of the test goes on: the master, VMs of the user, sshd */
      hg_test_run (argv, &out, &err, CMD_TIMEOUT_MS);
      g_subprocess_send_signal (fx.sshd, SIGTERM);
      g_subprocess_wait (fx.sshd, NULL, NULL);
      /* its log read to the end */
      hg_test_wait_until (sshd_log_ended, NULL, 10000);
      g_clear_object (&fx.sshd_err);
      g_clear_object (&fx.sshd);
    }
  if (fx.uid != 0)
    {
      /* a VM a failed case left running: the processes of the user made
       * for the test, by pid */
      g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
      const char *name;

      while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
        {
          g_autofree char *dir = g_build_filename ("/proc", name, NULL);
          struct stat st;

          if (g_ascii_isdigit (name[0]) && stat (dir, &st) == 0 && st.st_uid == fx.uid)
            kill ((pid_t) g_ascii_strtoll (name, NULL, 10), SIGKILL);
        }
      remove_user ();
    }
  if (fx.tmp != NULL)
    hg_test_remove_tree (fx.tmp);
  if (fx.runtime != NULL)
    hg_test_runtime_cleanup ();
}

#define NEED_FIXTURE()                       \
  G_STMT_START {                             \
    if (fx.skip != NULL)                     \
      {                                      \
        hg_test_skip_or_fail (fx.skip);      \
        return;                              \
      }                                      \
  } G_STMT_END

/* ---- quoting and destinations (no sshd) ------------------------------------------ */

static const char * const hostile[] = {
  "two words", "it's", "\"double\"", "$(touch /tmp/hangar-pwned)", "`id`", "a\nb",
  "back\\slash", "*", "", "-x", "semi;colon", "amp&&er", "pipe|", "$HOME", "'", "''",
  "tab\there", "\xff\xfe bytes", "~", NULL,
};

/* Each hostile argument comes out of sh (dash) and bash as it went in */
static void
test_quote (void)
{
  const char *shells[] = { "/bin/sh", "/bin/bash", NULL };

  for (guint s = 0; shells[s] != NULL; s++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(GString) expected = g_string_new (NULL);
      g_autofree char *command = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      if (!g_file_test (shells[s], G_FILE_TEST_IS_EXECUTABLE))
        continue;
      g_ptr_array_add (argv, (char *) "printf");
      g_ptr_array_add (argv, (char *) "[%s]");
      for (guint i = 0; hostile[i] != NULL; i++)
        {
          g_ptr_array_add (argv, (char *) hostile[i]);
          g_string_append_printf (expected, "[%s]", hostile[i]);
        }
      g_ptr_array_add (argv, NULL);
      command = hg_ssh_remote_command ((const char * const *) argv->pdata);
      {
        const char *sh[] = { shells[s], "-c", command, NULL };
        g_autoptr(GSubprocess) proc = g_subprocess_newv (sh, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                         G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL);
        g_autoptr(GBytes) out_bytes = NULL;
        g_autoptr(GError) error = NULL;
        gsize len = 0;
        const char *data;

        g_assert_nonnull (proc);
        g_subprocess_communicate (proc, NULL, NULL, &out_bytes, NULL, &error);
        g_assert_no_error (error);
        data = g_bytes_get_data (out_bytes, &len);
        g_assert_cmpmem (data, len, expected->str, expected->len);
      }
    }
  g_assert_false (g_file_test ("/tmp/hangar-pwned", G_FILE_TEST_EXISTS));
}

static void
test_target (void)
{
  struct {
    const char *text;
    const char *user;
    const char *host;
    guint port;
  } good[] = {
    { "ssh://host", NULL, "host", 0 },
    { "ssh://me@lab-1.example.org:2222", "me", "lab-1.example.org", 2222 },
    { "ssh://[::1]:22/", NULL, "::1", 22 },
    { "labhost", NULL, "labhost", 0 },
    { "root@labhost", "root", "labhost", 0 },
  };
  const char *bad[] = {
    "", "ssh://", "-oProxyCommand=touch", "ssh://-oProxyCommand=x", "ssh://host:0",
    "ssh://host:65536", "ssh://host:22x", "ssh://host/path", "http://host", "a b",
    "ssh://u;id@host", "host$(id)", "ssh://-l@host", "ssh://[::1", NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HgSshTarget) t = hg_ssh_target_parse (good[i].text, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (t->user, ==, good[i].user);
      g_assert_cmpstr (t->host, ==, good[i].host);
      g_assert_cmpuint (t->port, ==, good[i].port);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HgSshTarget) t = hg_ssh_target_parse (bad[i], &error);

      g_assert_null (t);
      g_assert_error (error, HG_SSH_ERROR, HG_SSH_ERROR_INVALID_TARGET);
      /* the message names what was given */
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

/* ---- over sshd ------------------------------------------------------------------------ */

/* A host key that changed: refused in OpenSSH's words, nothing run, no
 * master left */
static void
test_hostkey_changed (void)
{
  const char *argv[] = { NULL, "--ssh-config", NULL, "--connect", "hgt", "list", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  NEED_FIXTURE ();
  argv[0] = fx.hangarctl;
  argv[2] = fx.ssh_config_bad;
  g_assert_cmpint (run_argv (argv, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "REMOTE HOST IDENTIFICATION HAS CHANGED"));
  g_assert_nonnull (strstr (err, "Host key verification failed."));
  g_assert_nonnull (strstr (err, "hangarctl: connect: cannot connect to hgt"));
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpuint (count_in_log (LOGIN), ==, 0);
  g_assert_true (hg_test_wait_until (no_ssh_left, NULL, 10000));
}

/* No hangarctl there: said, with what to install */
static void
test_missing_hangarctl (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  NEED_FIXTURE ();
  g_assert_cmpint (remote (&out, &err, "--remote-hangarctl", "/nonexistent/hangarctl", "list",
                           NULL), ==, 5);
  g_assert_nonnull (strstr (err, "hgt has no hangarctl"));
  g_assert_nonnull (strstr (err, "/nonexistent/hangarctl"));
  g_assert_nonnull (strstr (err, "install Hangar there"));
  g_assert_cmpstr (out, ==, "");
}

/* Hostile arguments reach the remote hangarctl as they are: the VM name
 * in its error is the one given, nothing ran */
static void
test_hostile_args (void)
{
  NEED_FIXTURE ();
  for (guint i = 0; hostile[i] != NULL; i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      if (hostile[i][0] == '\0' || hostile[i][0] == '-' || strchr (hostile[i], '\n') != NULL ||
          !g_utf8_validate (hostile[i], -1, NULL))
        continue;   /* refused as an option or shown otherwise; the quoting test has them */
      status = remote (&out, &err, "info", hostile[i], NULL);
      g_assert_cmpint (status, ==, 3);
      /* "no VM named 'x'", or "no VM at <base>/x" for a name with a slash */
      if (strstr (err, "hangarctl: info: no VM ") == NULL || strstr (err, hostile[i]) == NULL)
        g_error ("%s: the remote error does not name it: %s", hostile[i], err);
    }
  g_assert_false (g_file_test ("/tmp/hangar-pwned", G_FILE_TEST_EXISTS));
}

typedef struct {
  GSubprocess *proc;
  GInputStream *out;
  GString     *text;
  gboolean     ended;
} Stream;

/* stdout as it comes (a prompt has no newline) */
static void
on_stream_bytes (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Stream *s = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (s->out, result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      s->ended = TRUE;
      return;
    }
  g_string_append_len (s->text, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (s->out, 4096, G_PRIORITY_DEFAULT, NULL, on_stream_bytes, s);
}

/* hangarctl --connect … args with a pipe on stdin, its stdout read into
 * s->text */
G_GNUC_NULL_TERMINATED static void
stream_start (Stream *s,
              ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  va_start (ap, s);
  argv = remote_argv_va (fx.ssh_config, ap);
  va_end (ap);
  s->proc = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  s->text = g_string_new (NULL);
  s->out = g_subprocess_get_stdout_pipe (s->proc);
  g_input_stream_read_bytes_async (s->out, 4096, G_PRIORITY_DEFAULT, NULL, on_stream_bytes, s);
}

static gboolean
stream_has (gpointer data)
{
  gpointer *pair = data;
  Stream *s = pair[0];

  return strstr (s->text->str, pair[1]) != NULL;
}

static gboolean
stream_wait_for (Stream     *s,
                 const char *needle,
                 guint       timeout_ms)
{
  gpointer pair[2] = { s, (gpointer) needle };

  return hg_test_wait_until (stream_has, pair, timeout_ms);
}

/* Waits for needle; failing, shows what came */
static void
stream_expect (Stream     *s,
               const char *needle,
               guint       timeout_ms)
{
  if (!stream_wait_for (s, needle, timeout_ms))
    g_error ("“%s” did not come; the output so far: %s\nsshd's log: %s", needle, s->text->str,
             fx.sshd_log->str);
}

static gboolean
stream_ended (gpointer data)
{
  return ((Stream *) data)->ended;
}

/* Closes its stdin and waits for it to end; its exit status */
static int
stream_finish (Stream *s)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (s->proc), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_wait_until (stream_ended, s, CMD_TIMEOUT_MS));
  g_subprocess_wait (s->proc, NULL, &error);
  g_assert_no_error (error);
  s->out = NULL;
  g_string_free (s->text, TRUE);
  s->text = NULL;
  return g_subprocess_get_exit_status (s->proc);
}

static void
stream_write (Stream     *s,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (s->proc), text, strlen (text), NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

/* ---- the event stream, here ------------------------------------------------------ */

/* hangarctl args… (no --connect) with a pipe on stdin */
G_GNUC_NULL_TERMINATED static void
local_stream_start (Stream *s,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ctl = hg_test_hangarctl_path ();
  const char *a;
  va_list ap;

  g_ptr_array_add (argv, ctl);
  va_start (ap, s);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  s->proc = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error);
  g_assert_no_error (error);
  s->text = g_string_new (NULL);
  s->out = g_subprocess_get_stdout_pipe (s->proc);
  g_input_stream_read_bytes_async (s->out, 4096, G_PRIORITY_DEFAULT, NULL, on_stream_bytes, s);
}

/* watch --json: hello, list (a broken config with its error), a VM added
 * and removed as its folder comes and goes, each line one JSON object; it
 * ends with its stdin */
static void
test_watch_local (void)
{
  g_autofree char *ctl = hg_test_hangarctl_path ();
  g_autofree char *base = NULL;
  g_autofree char *broken_dir = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *made = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  Stream watch = { 0 };

  if (ctl == NULL)
    {
      hg_test_skip_or_fail ("the build's hangarctl is missing");
      return;
    }
  base = g_dir_make_tmp ("hgw-XXXXXX", &error);
  g_assert_no_error (error);
  broken_dir = g_build_filename (base, "bad", NULL);
  g_assert_cmpint (g_mkdir (broken_dir, 0755), ==, 0);
  broken = g_build_filename (broken_dir, "bad.hangar", NULL);
  write_file (broken, "[vm\nnot a key file", 0644);

  local_stream_start (&watch, "--base", base, "watch", "--json", NULL);
  stream_expect (&watch, "\"event\":\"list\"", CMD_TIMEOUT_MS);
  stream_expect (&watch, "\"broken\":[{\"label\":\"bad\"", CMD_TIMEOUT_MS);

  {
    g_autofree char *kernel = hg_test_guest_file ("demo", "vmlinuz");
    const char *argv[] = { ctl, "--base", base, "create", "--label", "w1", "--net", "none",
                           "--kernel", kernel, NULL };

    if (kernel == NULL)
      {
        hg_test_skip_or_fail ("the demo guest is not built (tools/build-guests.sh)");
        stream_finish (&watch);
        g_clear_object (&watch.proc);
        hg_test_remove_tree (base);
        return;
      }
    must_run (argv);
  }
  stream_expect (&watch, "{\"event\":\"vm-added\",\"vm\":{\"label\":\"w1\",\"folder\":\"\"",
                 CMD_TIMEOUT_MS);
  made = g_build_filename (base, "w1", NULL);
  hg_test_remove_tree (made);
  stream_expect (&watch, "{\"event\":\"vm-removed\",\"path\":", CMD_TIMEOUT_MS);

  /* every line is one JSON object with "event" */
  lines = g_strsplit (watch.text->str, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "{\"event\":\"hello\""));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonNode) root = parse_json (lines[i]);

      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_assert_true (json_object_has_member (json_node_get_object (root), "event"));
    }
  g_assert_cmpint (stream_finish (&watch), ==, 0);
  g_clear_object (&watch.proc);
  hg_test_remove_tree (base);
}

/* A VM's life on the remote host, all over one SSH connection: list,
 * create, the event stream, start, the serial console through the
 * master, a screenshot that arrives here, kill */
static void
test_vm (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *png = NULL;
  g_autofree char *png_data = NULL;
  g_autoptr(JsonNode) root = NULL;
  Stream watch = { 0 };
  Stream console = { 0 };
  LogCount one_login = { LOGIN, 1 };
  gsize len = 0;

  NEED_FIXTURE ();

  g_assert_cmpint (remote (&out, &err, "list", "--json", NULL), ==, 0);
  root = parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 0);
  g_clear_pointer (&root, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the event stream: hello, the (empty) list, then what happens */
  stream_start (&watch, "watch", "--json", NULL);
  stream_expect (&watch, "\"event\":\"list\"", CMD_TIMEOUT_MS);
  g_assert_nonnull (strstr (watch.text->str, "{\"event\":\"hello\",\"program\":\"hangarctl\""));
  g_assert_nonnull (strstr (watch.text->str, "\"protocol\":1"));

  /* paths in VM options are the remote host's */
  g_assert_cmpint (remote (&out, &err, "create", "--label", "far", "--kernel", fx.guest_kernel,
                           "--initrd", fx.guest_initrd, "--append", fx.guest_append,
                           "--accel", "tcg", "--memory", "256", "--net", "none", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Created VM 'far'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  stream_expect (&watch, "\"event\":\"vm-added\",\"vm\":{\"label\":\"far\"", CMD_TIMEOUT_MS);

  /* started paused, so that the console sees the boot from its start */
  g_assert_cmpint (remote (&out, &err, "start", "--paused", "far", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  stream_expect (&watch, "\"state\":\"paused\"", CMD_TIMEOUT_MS);

  /* a remote error is the remote hangarctl's, with its exit status */
  g_assert_cmpint (remote (&out, &err, "start", "far", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "hangarctl: start: VM 'far' is already running"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the console is on before the guest runs: its QEMU monitor (Ctrl-a c)
   * answers while the VM is paused; Ctrl-a c again is the serial port */
  stream_start (&console, "console", "far", NULL);
  stream_write (&console, "\001c");
  stream_expect (&console, "(qemu)", CMD_TIMEOUT_MS);
  stream_write (&console, "info status\n");
  stream_expect (&console, "VM status: paused", CMD_TIMEOUT_MS);
  stream_write (&console, "\001c");
  g_assert_cmpint (remote (&out, &err, "resume", "far", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  stream_expect (&console, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS);
  stream_expect (&console, "# ", CMD_TIMEOUT_MS);
  stream_write (&console, "echo remote-$((6*7))-ok\n");
  stream_expect (&console, "remote-42-ok", CMD_TIMEOUT_MS);
  g_assert_cmpint (stream_finish (&console), ==, 0);
  g_clear_object (&console.proc);

  /* the screenshot's file is here */
  png = g_build_filename (fx.runtime, "far shot.png", NULL);
  g_assert_cmpint (remote (&out, &err, "screenshot", "far", png, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "saved as"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_get_contents (png, &png_data, &len, NULL));
  g_assert_cmpuint (len, >, 8);
  g_assert_cmpmem (png_data, 8, "\x89PNG\r\n\x1a\n", 8);
  /* refused with the remote's error; the local file is not touched */
  g_assert_cmpint (remote (&out, &err, "screenshot", "nosuch", png, NULL), ==, 3);
  g_assert_nonnull (strstr (err, "no VM named 'nosuch'"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (remote (&out, &err, "kill", "far", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  stream_expect (&watch, "\"event\":\"state\",\"path\":", CMD_TIMEOUT_MS);
  stream_expect (&watch, "\"label\":\"far\",\"state\":\"stopped\"", CMD_TIMEOUT_MS);

  /* the stream's end is its client's: no hangarctl stays there */
  g_assert_cmpint (stream_finish (&watch), ==, 0);
  g_clear_object (&watch.proc);
  g_assert_true (hg_test_wait_until (no_remote_hangarctl, NULL, CMD_TIMEOUT_MS));

  /* one SSH connection for all of it */
  g_assert_true (hg_test_wait_until (log_count_reached, &one_login, CMD_TIMEOUT_MS));
  g_assert_cmpuint (count_in_log (LOGIN), ==, 1);
  {
    g_autoptr(HgSshTarget) t = hg_ssh_target_parse ("hgt", NULL);

    t->config_file = g_strdup (fx.ssh_config);
    g_assert_true (hg_ssh_master_check (t));
  }
}

/* The master killed: the next command makes a new one */
static void
test_reconnect (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(HgSshTarget) t = hg_ssh_target_parse ("hgt", NULL);
  guint logins;
  LogCount again;

  NEED_FIXTURE ();
  t->config_file = g_strdup (fx.ssh_config);
  /* made if the case before did not run alone */
  g_assert_cmpint (remote (&out, &err, "version", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (hg_ssh_master_check (t));
  logins = count_in_log (LOGIN);

  {
    const char *argv[] = { "ssh", "-F", fx.ssh_config, "-o", NULL, "-O", "exit", "hgt", NULL };
    g_autofree char *control = g_strdup_printf ("ControlPath=%s/ssh-%%C", fx.runtime);

    argv[4] = control;
    must_run (argv);
  }
  g_assert_true (hg_test_wait_until (no_ssh_left, NULL, 10000));
  g_assert_false (hg_ssh_master_check (t));

  g_assert_cmpint (remote (&out, &err, "list", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"label\" : \"far\""));
  again = (LogCount) { LOGIN, logins + 1 };
  g_assert_true (hg_test_wait_until (log_count_reached, &again, CMD_TIMEOUT_MS));
  g_assert_cmpuint (count_in_log (LOGIN), ==, logins + 1);
  g_assert_true (hg_ssh_master_check (t));
}

/* disconnect ends the master: no ssh process of ours is left */
static void
test_disconnect (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  NEED_FIXTURE ();
  g_assert_cmpint (remote (&out, &err, "disconnect", NULL), ==, 0);
  g_assert_true (hg_test_wait_until (no_ssh_left, NULL, 10000));
  /* twice is fine */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (remote (&out, &err, "disconnect", NULL), ==, 0);
  g_assert_cmpuint (count_our_ssh (), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hangar/remote/quote", test_quote);
  g_test_add_func ("/hangar/remote/target", test_target);
  g_test_add_func ("/hangar/remote/watch-local", test_watch_local);
  g_test_add_func ("/hangar/remote/hostkey-changed", test_hostkey_changed);
  g_test_add_func ("/hangar/remote/missing-hangarctl", test_missing_hangarctl);
  g_test_add_func ("/hangar/remote/hostile-args", test_hostile_args);
  g_test_add_func ("/hangar/remote/vm", test_vm);
  g_test_add_func ("/hangar/remote/reconnect", test_reconnect);
  g_test_add_func ("/hangar/remote/disconnect", test_disconnect);

  setup ();
  status = g_test_run ();
  teardown ();
  return status;
}
