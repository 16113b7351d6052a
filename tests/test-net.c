/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#define _GNU_SOURCE   /* setns() */
#include "config.h"

/*
 * Suite 'net': per-user VDE switches, the privileged helper and its polkit
 * action, and real guests that reach each other and the host.
 *
 * Everything that could touch an interface runs inside network namespaces
 * made here with `ip netns add hgnet<pid><tag>` (the test process itself
 * enters them with setns(), so the switch, QEMU and vde_plug2tap started
 * from here live there; the helper runs through `ip netns exec`).  They are
 * deleted at the end of each case, and by a signal handler when a case
 * aborts, together with the processes started in them.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-net-helper.h"
#include "hg-switch.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

#define BOOT_TIMEOUT_MS  180000
#define SHELL_TIMEOUT_MS 60000
#define PROMPT           "hangar-demo:~# "

static HgHostCaps *caps;

/* ---- emergency clean-up (async-signal-safe) -------------------------------- */

#define MAX_TRACKED 32
static char   tracked_ns[MAX_TRACKED][128];   /* /run/netns/NAME, "" = free */
static volatile pid_t tracked_pids[MAX_TRACKED];
static char   tracked_file[256];               /* a file put into /usr/share, "" = none */

static void
kill_tracked (void)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked_pids[i] > 0)
      kill (tracked_pids[i], SIGKILL);
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked_ns[i][0] != '\0')
      {
        umount2 (tracked_ns[i], MNT_DETACH);
        unlink (tracked_ns[i]);
      }
  if (tracked_file[0] != '\0')
    unlink (tracked_file);
}

static void
emergency_cleanup (int sig)
{
  kill_tracked ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
track_pid (GPid pid)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked_pids[i] == 0)
      {
        tracked_pids[i] = pid;
        return;
      }
}

static void
untrack_pid (GPid pid)
{
  for (int i = 0; i < MAX_TRACKED; i++)
    if (tracked_pids[i] == pid)
      tracked_pids[i] = 0;
}

/* ---- helpers --------------------------------------------------------------- */

/* hg_test_run, always collecting both outputs */
static int
run_timeout (const char * const *argv,
             char              **out,
             char              **err,
             guint               timeout_ms)
{
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  int rc = hg_test_run (argv, &o, &e, timeout_ms);

  /* callers reuse their (NULL-initialised) variables */
  if (out != NULL)
    {
      g_free (*out);
      *out = g_steal_pointer (&o);
    }
  if (err != NULL)
    {
      g_free (*err);
      *err = g_steal_pointer (&e);
    }
  return rc;
}

static int
run (const char * const *argv,
     char              **out,
     char              **err)
{
  return run_timeout (argv, out, err, 60000);
}

static gboolean
can_use_netns (void)
{
  g_autofree char *ip = g_find_program_in_path ("ip");

  if (geteuid () != 0)
    {
      hg_test_skip_or_fail ("needs root for ip netns (CI runs as root)");
      return FALSE;
    }
  if (ip == NULL)
    {
      hg_test_skip_or_fail ("ip (iproute2) is not installed");
      return FALSE;
    }
  return TRUE;
}

static char *
ns_add (const char *tag)
{
  g_autofree char *name = g_strdup_printf ("hgnet%d%s", (int) getpid (), tag);
  g_autofree char *err = NULL;
  const char *argv[] = { "ip", "netns", "add", name, NULL };
  int slot;

  for (slot = 0; slot < MAX_TRACKED && tracked_ns[slot][0] != '\0'; slot++)
    ;
  g_assert_cmpint (slot, <, MAX_TRACKED);
  g_snprintf (tracked_ns[slot], sizeof tracked_ns[slot], "/run/netns/%s", name);
  g_assert_cmpint (run (argv, NULL, &err), ==, 0);
  return g_steal_pointer (&name);
}

static void
ns_del (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", name);
  const char *argv[] = { "ip", "netns", "del", name, NULL };

  run (argv, NULL, NULL);
  for (int i = 0; i < MAX_TRACKED; i++)
    if (g_str_equal (tracked_ns[i], path))
      tracked_ns[i][0] = '\0';
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static int saved_netns = -1;

static void
ns_enter (const char *name)
{
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", name);
  int fd;

  g_assert_cmpint (saved_netns, <, 0);
  saved_netns = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (saved_netns, >=, 0);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setns (fd, CLONE_NEWNET), ==, 0);
  close (fd);
}

static void
ns_leave (void)
{
  if (saved_netns < 0)
    return;
  g_assert_cmpint (setns (saved_netns, CLONE_NEWNET), ==, 0);
  close (saved_netns);
  saved_netns = -1;
}

/* `ip -o link` of a namespace, without the volatile bits */
static char *
ns_links (const char *ns)
{
  const char *argv[] = { "ip", "-n", ns, "-o", "link", "show", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (run (argv, &out, NULL), ==, 0);
  return g_steal_pointer (&out);
}

static const char *
helper_path (void)
{
  const char *path = g_getenv ("HANGAR_NET_HELPER_TEST");
  g_assert_nonnull (path);
  return path;
}

/* ip netns exec NS env -i [env...] helper args... */
static int
run_helper (const char          *ns,
            const char * const  *env,
            const char * const  *args,
            char               **out,
            char               **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) "ip");
  g_ptr_array_add (argv, (char *) "netns");
  g_ptr_array_add (argv, (char *) "exec");
  g_ptr_array_add (argv, (char *) ns);
  g_ptr_array_add (argv, (char *) "env");
  g_ptr_array_add (argv, (char *) "-i");
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) env[i]);
  g_ptr_array_add (argv, (char *) helper_path ());
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return run ((const char * const *) argv->pdata, out, err);
}

#define CALLER "4242"
#define FOREIGN "4343"
#define NO_USER "2147483600"   /* made sure to name no user, see helper_users() */

/* The helper refuses a PKEXEC_UID that names no user: the uids the cases
 * use are made users here (root only, as the helper cases are), and the
 * one that stands for "no user" is checked to be none. */
static void
helper_users (void)
{
  const struct { const char *uid; const char *name; } users[] = {
    { CALLER, "hangar-test-tap-a" },
    { FOREIGN, "hangar-test-tap-b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      const char *argv[] = { g_file_test ("/usr/sbin/useradd", G_FILE_TEST_IS_EXECUTABLE)
                               ? "/usr/sbin/useradd" : "useradd",
                             "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                             "--uid", users[i].uid, users[i].name, NULL };
      g_autofree char *err = NULL;

      if (getpwuid ((uid_t) g_ascii_strtoull (users[i].uid, NULL, 10)) != NULL)
        continue;
      if (run (argv, NULL, &err) != 0)
        g_error ("useradd --uid %s %s failed: %s", users[i].uid, users[i].name, err);
    }
  g_assert_null (getpwuid ((uid_t) g_ascii_strtoull (NO_USER, NULL, 10)));
}

static guint
tap_owner_uid (void)
{
  /* the TAP belongs to the user who runs Hangar; CI runs as root, and the
   * helper never makes a TAP for root, so another uid stands in */
  return getuid () != 0 ? getuid () : 4242;
}

/* ---- pure ------------------------------------------------------------------ */

static void
test_parse_ports (void)
{
  const char *text =
    "Port 0001 untagged_vlan=0000 ACTIVE - Unnamed Allocatable\n"
    " Current User: alice Access Control: (User: NONE - Group: NONE)\n"
    " IN:  pkts         12          bytes                 1234\n"
    " OUT: pkts          7          bytes                  567\n"
    "  -- endpoint ID 0003 module unix prog   : QEMU user=alice PID=0\n"
    "Port 0002 untagged_vlan=0005 ACTIVE - Unnamed Allocatable\n"
    " Current User: alice Access Control: (User: NONE - Group: NONE)\n"
    " IN:  pkts          0          bytes                    0\n"
    " OUT: pkts          0          bytes                    0\n"
    "  -- endpoint ID 0007 module unix prog   : vdeplug: user=alice pid=0\n"
    "Port 0003 untagged_vlan=0000 INACTIVE - Unnamed Allocatable\n"
    "garbage line\n";
  g_autoptr(GPtrArray) ports = hg_switch_parse_ports (text);
  HgSwitchPort *p;
  HgSwitchEndpoint *ep;

  g_assert_cmpuint (ports->len, ==, 3);
  p = g_ptr_array_index (ports, 0);
  g_assert_cmpuint (p->number, ==, 1);
  g_assert_true (p->active);
  g_assert_cmpstr (p->user, ==, "alice");
  g_assert_cmpuint (p->in_packets, ==, 12);
  g_assert_cmpuint (p->in_bytes, ==, 1234);
  g_assert_cmpuint (p->out_packets, ==, 7);
  g_assert_cmpuint (p->out_bytes, ==, 567);
  g_assert_cmpuint (p->endpoints->len, ==, 1);
  ep = g_ptr_array_index (p->endpoints, 0);
  g_assert_cmpuint (ep->id, ==, 3);
  g_assert_cmpstr (ep->module, ==, "unix");
  g_assert_cmpstr (ep->descr, ==, "QEMU");
  g_assert_cmpstr (ep->user, ==, "alice");
  p = g_ptr_array_index (ports, 1);
  g_assert_cmpuint (p->vlan, ==, 5);
  ep = g_ptr_array_index (p->endpoints, 0);
  g_assert_cmpstr (ep->descr, ==, "vdeplug:");
  p = g_ptr_array_index (ports, 2);
  g_assert_false (p->active);
  g_assert_cmpuint (p->endpoints->len, ==, 0);
}

static void
test_names (void)
{
  const char *bad[] = { "", ".x", "-x", "a/b", "../x", "a b", "sw;id", "s\xc3\xa4", NULL };
  g_autofree char *long_name = g_strnfill (65, 'a');

  g_assert_true (hg_switch_name_is_valid ("default", NULL));
  g_assert_true (hg_switch_name_is_valid ("lab-1.2_x", NULL));
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (hg_switch_name_is_valid (bad[i], &error));
      g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME);
    }
  g_assert_false (hg_switch_name_is_valid (long_name, NULL));
}

/* ---- switch lifecycle ------------------------------------------------------ */

static guint
file_mode (const char *path)
{
  struct stat st;
  g_assert_cmpint (lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_switch_lifecycle (void)
{
  g_autoptr(HgSwitch) sw = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ports = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *info = NULL;
  g_autofree char *ctl = NULL;
  GPid pid;

  if (caps->vde_switch == NULL)
    {
      hg_test_skip_or_fail ("vde_switch is not installed");
      return;
    }
  sw = hg_switch_new (NULL, "life");
  g_assert_false (hg_switch_get_running (sw));
  g_assert_cmpint (hg_switch_find_running (sw), ==, 0);

  hg_test_switch_start (sw, &error);
  g_assert_no_error (error);
  pid = hg_switch_find_running (sw);
  g_assert_cmpint (pid, >, 0);
  track_pid (pid);
  g_assert_true (hg_switch_get_running (sw));

  /* the layout and the modes the issue asks for */
  ctl = g_build_filename (hg_switch_get_data_path (sw), "ctl", NULL);
  g_assert_cmpuint (file_mode (hg_switch_get_dir (sw)), ==, 0700);
  g_assert_cmpuint (file_mode (hg_switch_get_data_path (sw)), ==, 0700);
  g_assert_cmpuint (file_mode (ctl), ==, 0600);
  g_assert_cmpuint (file_mode (hg_switch_get_mgmt_path (sw)), ==, 0600);
  g_assert_true (g_file_test (hg_switch_get_pidfile (sw), G_FILE_TEST_IS_REGULAR));
  /* in its own session: it outlives the GUI */
  g_assert_cmpint (getsid (pid), ==, pid);

  /* libvdeplug gets an answer; the management socket too */
  hg_switch_check_answers (sw, &error);
  g_assert_no_error (error);
  info = hg_switch_mgmt_command_sync (sw, "port/showinfo", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (info, "Numports="));
  g_clear_pointer (&info, g_free);
  info = hg_switch_mgmt_command_sync (sw, "port/print 99", NULL, &error);
  g_assert_null (info);
  g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "port/print 99"));
  g_clear_error (&error);
  ports = hg_switch_list_ports_sync (sw, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ports->len; i++)
    g_assert_cmpuint (((HgSwitchPort *) g_ptr_array_index (ports, i))->endpoints->len, ==, 0);

  names = hg_switch_list_names (NULL);
  g_assert_true (g_strv_contains ((const char * const *) names, "life"));

  /* starting again is a no-op; the ensure hook too */
  g_assert_true (hg_test_switch_start (sw, &error));
  g_assert_cmpint (hg_switch_find_running (sw), ==, pid);
  {
    g_autoptr(GAsyncResult) result = NULL;

    hg_switch_ensure_running_async (NULL, "life", NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 10000));
    g_assert_true (hg_switch_ensure_running_finish (result, &error));
    g_assert_no_error (error);
    g_assert_cmpint (hg_switch_find_running (sw), ==, pid);
    g_clear_object (&result);
    hg_switch_ensure_running_async (NULL, "../x", NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 10000));
    g_assert_false (hg_switch_ensure_running_finish (result, &error));
    g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME);
    g_clear_error (&error);
  }

  hg_switch_stop_sync (sw, &error);
  g_assert_no_error (error);
  untrack_pid (pid);
  g_assert_cmpint (hg_switch_find_running (sw), ==, 0);
  g_assert_false (g_file_test (hg_switch_get_mgmt_path (sw), G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (ctl, G_FILE_TEST_EXISTS));
  g_assert_false (hg_switch_check_answers (sw, &error));
  g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING);
  g_clear_error (&error);
  g_assert_false (hg_switch_stop_sync (sw, &error));
  g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  /* a missing vde_switch is said plainly */
  {
    g_autoptr(HgSwitch) nosw = hg_switch_new_full (NULL, "nosw", "/nonexistent/vde_switch");
    g_assert_false (hg_test_switch_start (nosw, &error));
    g_assert_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_SPAWN);
    g_assert_nonnull (strstr (error->message, "/nonexistent/vde_switch"));
    g_clear_error (&error);
  }
}

typedef struct {
  guint down;
  guint up;
  guint stopped;
} LinkEvents;

static void on_down (HgSwitch *sw, LinkEvents *ev) { ev->down++; }
static void on_up (HgSwitch *sw, LinkEvents *ev) { ev->up++; }
static void on_stopped (HgSwitch *sw, LinkEvents *ev) { ev->stopped++; }

static gboolean up_seen (gpointer data) { return ((LinkEvents *) data)->up > 0; }
static gboolean stopped_seen (gpointer data) { return ((LinkEvents *) data)->stopped > 0; }

static void
test_switch_restart (void)
{
  g_autoptr(HgSwitch) sw = NULL;
  g_autoptr(GError) error = NULL;
  LinkEvents ev = { 0 };
  GPid pid, pid2;

  if (caps->vde_switch == NULL)
    {
      hg_test_skip_or_fail ("vde_switch is not installed");
      return;
    }
  sw = hg_switch_new (NULL, "phoenix");
  g_signal_connect (sw, "link-down", G_CALLBACK (on_down), &ev);
  g_signal_connect (sw, "link-up", G_CALLBACK (on_up), &ev);
  g_signal_connect (sw, "stopped", G_CALLBACK (on_stopped), &ev);
  hg_switch_watch (sw);
  hg_test_switch_start (sw, &error);
  g_assert_no_error (error);
  pid = hg_switch_find_running (sw);
  track_pid (pid);

  /* killed: noticed, link down, restarted, link up */
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_until (up_seen, &ev, 15000));
  untrack_pid (pid);
  g_assert_cmpuint (ev.down, ==, 1);
  g_assert_cmpuint (ev.up, ==, 1);
  pid2 = hg_switch_find_running (sw);
  g_assert_cmpint (pid2, >, 0);
  g_assert_cmpint (pid2, !=, pid);
  track_pid (pid2);
  g_assert_true (hg_switch_get_running (sw));
  hg_switch_check_answers (sw, &error);
  g_assert_no_error (error);

  /* stopped on purpose (as by hangarctl switch stop): not restarted */
  {
    g_autoptr(HgSwitch) other = hg_switch_new (NULL, "phoenix");
    hg_switch_stop_sync (other, &error);
    g_assert_no_error (error);
  }
  g_assert_true (hg_test_wait_until (stopped_seen, &ev, 15000));
  untrack_pid (pid2);
  g_assert_cmpuint (ev.down, ==, 2);
  g_assert_cmpuint (ev.up, ==, 1);
  g_assert_false (hg_switch_get_running (sw));
  g_assert_cmpint (hg_switch_find_running (sw), ==, 0);
}

/* ---- hangarctl switch (the command table, in-process) --------------------- */

static GString *cli_out;
static GString *cli_err;

/* hangarctl.c's, for the table alone */
void
hg_cli_error (const char *command,
              const char *format,
              ...)
{
  va_list ap;

  g_string_append_printf (cli_err, "hangarctl: %s: ", command);
  va_start (ap, format);
  g_string_append_vprintf (cli_err, format, ap);
  va_end (ap);
  g_string_append_c (cli_err, '\n');
}

void
hg_cli_store_result (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  hg_test_store_result (source, result, user_data);
}

GAsyncResult *
hg_cli_wait_result (GAsyncResult **slot)
{
  g_assert_true (hg_test_wait_result (slot, 30000));
  return *slot;
}

static void
capture_print (const char *text)
{
  g_string_append (cli_out, text);
}

static int
cli (const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  HgCliContext ctx = { NULL, FALSE };
  GPrintFunc old;
  va_list ap;
  const char *a;
  char **argv;
  int rc;

  g_ptr_array_add (args, g_strdup ("switch"));
  va_start (ap, first);
  for (a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (args, NULL);
  /* GOptionContext may rearrange argv; keep our own copy for freeing */
  argv = g_memdup2 (args->pdata, args->len * sizeof (char *));
  g_string_truncate (cli_out, 0);
  g_string_truncate (cli_err, 0);
  old = g_set_print_handler (capture_print);
  g_assert_cmpstr (hg_cli_switch_commands[0].name, ==, "switch");
  rc = hg_cli_switch_commands[0].func (&ctx, (int) args->len - 1, argv);
  g_set_print_handler (old);
  g_free (argv);
  return rc;
}

static void
test_cli_switch (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  GPid pid;

  if (caps->vde_switch == NULL)
    {
      hg_test_skip_or_fail ("vde_switch is not installed");
      return;
    }
  cli_out = g_string_new (NULL);
  cli_err = g_string_new (NULL);

  g_assert_cmpint (cli ("start", "clisw", NULL), ==, HG_EXIT_OK);
  g_assert_nonnull (strstr (cli_out->str, "Switch 'clisw' started (pid "));
  {
    g_autoptr(HgSwitch) sw = hg_switch_new (NULL, "clisw");
    pid = hg_switch_find_running (sw);
    g_assert_cmpint (pid, >, 0);
    track_pid (pid);
  }
  g_assert_cmpint (cli ("start", "clisw", NULL), ==, HG_EXIT_OK);
  g_assert_nonnull (strstr (cli_out->str, "was already running"));

  g_assert_cmpint (cli ("list", "--json", NULL), ==, HG_EXIT_OK);
  json_parser_load_from_data (parser, cli_out->str, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  {
    gboolean found = FALSE;
    for (guint i = 0; i < json_array_get_length (array); i++)
      {
        JsonObject *o = json_array_get_object_element (array, i);
        if (g_str_equal (json_object_get_string_member (o, "name"), "clisw"))
          {
            found = TRUE;
            g_assert_true (json_object_get_boolean_member (o, "running"));
            g_assert_cmpint (json_object_get_int_member (o, "pid"), ==, pid);
          }
      }
    g_assert_true (found);
  }
  g_assert_cmpint (cli ("list", NULL), ==, HG_EXIT_OK);
  g_assert_nonnull (strstr (cli_out->str, "clisw"));
  g_assert_nonnull (strstr (cli_out->str, "running"));

  g_assert_cmpint (cli ("ports", "clisw", "--json", NULL), ==, HG_EXIT_OK);
  g_assert_cmpstr (g_strstrip (cli_out->str), ==, "[]");
  g_assert_cmpint (cli ("ports", "clisw", NULL), ==, HG_EXIT_OK);
  g_assert_nonnull (strstr (cli_out->str, "PORT"));

  /* bad input: one clear line each, the right exit code */
  g_assert_cmpint (cli (NULL, NULL), ==, HG_EXIT_USAGE);
  g_assert_nonnull (strstr (cli_err->str, "hangarctl: switch: which action?"));
  g_assert_cmpint (cli ("frob", NULL), ==, HG_EXIT_USAGE);
  g_assert_nonnull (strstr (cli_err->str, "unknown action 'frob'"));
  g_assert_cmpint (cli ("start", "../x", NULL), ==, HG_EXIT_USAGE);
  g_assert_nonnull (strstr (cli_err->str, "\"../x\" is not a switch name"));
  g_assert_cmpint (cli ("start", "a", "b", NULL), ==, HG_EXIT_USAGE);
  g_assert_cmpint (cli ("list", "x", NULL), ==, HG_EXIT_USAGE);
  g_assert_cmpint (cli ("ports", "nosuch", NULL), ==, HG_EXIT_NOT_FOUND);
  g_assert_nonnull (strstr (cli_err->str, "There is no switch 'nosuch'"));
  g_assert_cmpint (cli ("stop", "nosuch", NULL), ==, HG_EXIT_NOT_FOUND);

  g_assert_cmpint (cli ("stop", "clisw", NULL), ==, HG_EXIT_OK);
  untrack_pid (pid);
  g_assert_nonnull (strstr (cli_out->str, "Switch 'clisw' stopped"));
  g_assert_cmpint (cli ("stop", "clisw", NULL), ==, HG_EXIT_STATE);
  g_assert_nonnull (strstr (cli_err->str, "is not running"));
  g_assert_cmpint (cli ("ports", "clisw", NULL), ==, HG_EXIT_STATE);
  g_assert_cmpint (cli ("list", NULL), ==, HG_EXIT_OK);
  g_assert_nonnull (strstr (cli_out->str, "stopped"));

  g_string_free (cli_out, TRUE);
  g_string_free (cli_err, TRUE);
}

/* ---- guests ---------------------------------------------------------------- */

static HgVm *
make_vde_vm (const char  *label,
             const char  *switch_name,
             const char  *mac,
             char       **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", label, base);
  g_autoptr(GError) error = NULL;
  HgNic *nic;

  if (config == NULL)
    return NULL;
  g_ptr_array_set_size (config->nics, 0);
  nic = hg_nic_new (HG_NET_VDE);
  g_free (nic->switch_name);
  nic->switch_name = g_strdup (switch_name);
  g_free (nic->mac);
  nic->mac = g_strdup (mac);
  g_ptr_array_add (config->nics, nic);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  return hg_vm_new_full (config, NULL, caps);
}

static void
kill_vm (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (vm == NULL || !hg_vm_is_active (vm))
    return;
  untrack_pid (hg_vm_get_pid (vm));
  hg_vm_kill_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  hg_vm_action_finish (vm, result, NULL);
}

/* Starts a guest paused, connects its serial console, lets it run. */
static HgTestSerial *
start_guest (HgVm *vm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  HgTestSerial *serial;

  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  track_pid (hg_vm_get_pid (vm));
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_vm_resume_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  return serial;
}

/* Waits for the shell of a guest started by start_guest(). */
static void
guest_shell (HgTestSerial *serial)
{
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  hg_test_serial_write (serial, "\n");
  g_assert_true (hg_test_serial_wait_for (serial, PROMPT, SHELL_TIMEOUT_MS));
}

/* Runs a shell line in the guest; waits for "<tag>-42" that only the
 * shell's arithmetic prints (the echoed command line has "$((40+2))"). */
static void
guest_run (HgTestSerial *serial,
           const char   *line,
           const char   *tag,
           guint         timeout_ms)
{
  g_autofree char *cmd = g_strdup_printf ("%s; echo %s-$((40+2))\n", line, tag);
  g_autofree char *needle = g_strdup_printf ("%s-42", tag);

  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, cmd);
  g_assert_true (hg_test_serial_wait_for (serial, needle, timeout_ms));
}

/* TRUE if `ping` from the guest succeeded */
static gboolean
guest_ping (HgTestSerial *serial,
            const char   *address)
{
  g_autofree char *line =
    g_strdup_printf ("ping -c 3 -w 30 %s >/dev/null 2>&1 || echo NOPING-$((40+2))", address);

  guest_run (serial, line, "PING", 60000);
  return strstr (hg_test_serial_output (serial), "NOPING-42") == NULL;
}

static void
guest_set_address (HgTestSerial *serial,
                   const char   *cidr)
{
  g_autofree char *line =
    g_strdup_printf ("killall udhcpc 2>/dev/null; ip addr flush dev eth0; "
                     "ip addr add %s dev eth0; ip link set eth0 up", cidr);
  guest_run (serial, line, "CFG", SHELL_TIMEOUT_MS);
}

static HgSwitchEndpoint *
find_endpoint (GPtrArray    *ports,
               const char   *vm_label,
               const char   *program,
               HgSwitchPort **port_out)
{
  for (guint i = 0; i < ports->len; i++)
    {
      HgSwitchPort *port = g_ptr_array_index (ports, i);
      for (guint e = 0; e < port->endpoints->len; e++)
        {
          HgSwitchEndpoint *ep = g_ptr_array_index (port->endpoints, e);
          if ((vm_label != NULL && g_strcmp0 (ep->vm_label, vm_label) == 0) ||
              (program != NULL && g_strcmp0 (ep->program, program) == 0))
            {
              if (port_out != NULL)
                *port_out = port;
              return ep;
            }
        }
    }
  return NULL;
}

/* Two demo guests on one VDE switch, in a network namespace of their own:
 * net-<tag>1 and net-<tag>2, MACs 52:54:00:77:<net>:01 and :02, addresses
 * 10.77.<net>.1 and .2 once up. */
typedef struct {
  guint         net;
  char         *ns;
  char         *base[2];
  HgVm         *vm[2];
  HgTestSerial *serial[2];
  HgSwitch     *sw;
} GuestPair;

/* Stops what the pair started (guests, switch, namespace) and frees it;
 * also after a make that failed half-way. */
static void
guest_pair_clear (GuestPair *p)
{
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&p->serial[i], hg_test_serial_free);
  for (guint i = 0; i < 2; i++)
    kill_vm (p->vm[i]);
  if (p->sw != NULL)
    {
      g_autoptr(GError) error = NULL;

      untrack_pid (hg_switch_find_running (p->sw));
      hg_switch_stop_sync (p->sw, &error);
      g_assert_no_error (error);
    }
  if (p->ns != NULL)
    {
      ns_leave ();
      ns_del (p->ns);
    }
  for (guint i = 0; i < 2; i++)
    {
      hg_test_remove_tree (p->base[i]);
      g_clear_pointer (&p->base[i], g_free);
      g_clear_object (&p->vm[i]);
    }
  g_clear_object (&p->sw);
  g_clear_pointer (&p->ns, g_free);
}

/* The VMs made, the namespace entered, the switch object (not started);
 * FALSE with the test skipped when root, ip or the guest is missing. */
static gboolean
guest_pair_make (GuestPair  *p,
                 const char *tag,
                 guint       net,
                 const char *switch_name)
{
  if (!can_use_netns ())
    return FALSE;
  p->net = net;
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("net-%s%u", tag, i + 1);
      g_autofree char *mac = g_strdup_printf ("52:54:00:77:%02x:%02x", net, i + 1);

      p->vm[i] = make_vde_vm (label, switch_name, mac, &p->base[i]);
      if (p->vm[i] == NULL)
        {
          hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
          guest_pair_clear (p);
          return FALSE;
        }
    }
  p->ns = ns_add (tag);
  ns_enter (p->ns);
  p->sw = hg_switch_new (NULL, switch_name);
  return TRUE;
}

/* Both guests started (start_guest) at their shell, with their addresses */
static void
guest_pair_up (GuestPair *p)
{
  for (guint i = 0; i < 2; i++)
    guest_shell (p->serial[i]);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *cidr = g_strdup_printf ("10.77.%u.%u/24", p->net, i + 1);

      guest_set_address (p->serial[i], cidr);
    }
}

static void
test_guests_ping (void)
{
  GuestPair pair = { 0 };
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(GError) error = NULL;
  HgSwitchPort *port = NULL;
  HgSwitchEndpoint *ep;

  if (!guest_pair_make (&pair, "a", 0, "lab"))
    return;
  g_assert_cmpint (hg_switch_find_running (pair.sw), ==, 0);

  /* starting a VM with a VDE NIC starts its switch on demand */
  pair.serial[0] = start_guest (pair.vm[0]);
  g_assert_cmpint (hg_switch_find_running (pair.sw), >, 0);
  track_pid (hg_switch_find_running (pair.sw));
  pair.serial[1] = start_guest (pair.vm[1]);
  guest_pair_up (&pair);
  g_assert_true (guest_ping (pair.serial[0], "10.77.0.2"));
  g_assert_true (guest_ping (pair.serial[1], "10.77.0.1"));

  /* which VM on which port, with traffic counters */
  ports = hg_switch_list_ports_sync (pair.sw, NULL, &error);
  g_assert_no_error (error);
  ep = find_endpoint (ports, "net-a1", NULL, &port);
  g_assert_nonnull (ep);
  g_assert_cmpint (ep->pid, ==, hg_vm_get_pid (pair.vm[0]));
  g_assert_true (g_str_has_prefix (ep->program, "qemu-system-"));
  g_assert_cmpuint (port->in_packets, >=, 3);
  g_assert_cmpuint (port->out_packets, >=, 3);
  g_assert_cmpuint (port->in_bytes, >, 0);
  ep = find_endpoint (ports, "net-a2", NULL, &port);
  g_assert_nonnull (ep);
  g_assert_cmpuint (port->out_bytes, >, 0);

  /* hangarctl switch ports --json says the same */
  {
    g_autofree char *ctl = hg_test_hangarctl_path ();
    if (ctl != NULL)
      {
        const char *argv[] = { ctl, "switch", "ports", "lab", "--json", NULL };
        g_autofree char *out = NULL;
        g_assert_cmpint (run (argv, &out, NULL), ==, 0);
        g_assert_nonnull (strstr (out, "\"net-a1\""));
        g_assert_nonnull (strstr (out, "\"net-a2\""));
      }
    else
      hg_test_skip_or_fail ("hangarctl not built: its switch command is not checked here");
  }

  guest_pair_clear (&pair);
}

/* A start that has to start the VM's switch first does not block the
 * caller's main loop: a vde_switch that takes 2 s to come up (a wrapper
 * first on $PATH), and a 10 ms timeout on the main context keeps firing
 * throughout (the old hg_switch_start_sync spun a private loop instead). */
typedef struct {
  gint64 last;
  gint64 max_gap;
  guint  count;
} Ticks;

static gboolean
on_tick (gpointer data)
{
  Ticks *t = data;
  gint64 now = g_get_monotonic_time ();

  t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->count++;
  return G_SOURCE_CONTINUE;
}

static void
test_start_switch_async (void)
{
  g_autofree char *base = NULL;
  g_autofree char *real = g_find_program_in_path ("vde_switch");
  g_autofree char *bin = NULL;
  g_autofree char *wrapper = NULL;
  g_autofree char *script = NULL;
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autofree char *new_path = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgSwitch) sw = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Ticks ticks = { 0 };
  guint tick_id;

  if (real == NULL)
    {
      hg_test_skip_or_fail ("vde_switch not installed (Debian package vde2)");
      return;
    }
  vm = make_vde_vm ("net-nonblock", "slowsw", "52:54:00:77:09:01", &base);
  if (vm == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  bin = g_dir_make_tmp ("hgslowsw-XXXXXX", &error);
  g_assert_no_error (error);
  wrapper = g_build_filename (bin, "vde_switch", NULL);
  /* slow on purpose: the switch's start must be in progress for a while */
  script = g_strdup_printf ("#!/bin/sh\nsleep 2\nexec '%s' \"$@\"\n", real);
  g_file_set_contents (wrapper, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  new_path = g_strdup_printf ("%s:%s", bin, old_path);
  g_setenv ("PATH", new_path, TRUE);

  sw = hg_switch_new (NULL, "slowsw");
  g_assert_cmpint (hg_switch_find_running (sw), ==, 0);
  ticks.last = g_get_monotonic_time ();
  tick_id = g_timeout_add (10, on_tick, &ticks);
  hg_vm_start_async (vm, hg_vm_get_config (vm)->boot_mode, HG_VM_START_PAUSED, NULL,
                     hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_source_remove (tick_id);
  g_setenv ("PATH", old_path, TRUE);
  g_assert_true (hg_vm_start_finish (vm, result, &error));
  g_assert_no_error (error);
  track_pid (hg_vm_get_pid (vm));
  track_pid (hg_switch_find_running (sw));

  /* it went through the slow switch, and the main loop kept running */
  g_assert_cmpint (hg_switch_find_running (sw), >, 0);
  g_test_message ("%u ticks, longest gap %" G_GINT64_FORMAT " ms", ticks.count,
                  ticks.max_gap / 1000);
  g_assert_cmpuint (ticks.count, >=, 20);
  g_assert_cmpint (ticks.max_gap, <, 1000 * 1000);

  kill_vm (vm);
  untrack_pid (hg_switch_find_running (sw));
  hg_switch_stop_sync (sw, &error);
  g_assert_no_error (error);
  g_unlink (wrapper);
  g_rmdir (bin);
  hg_test_remove_tree (base);
}

/* A switch killed under two running guests is noticed and restarted by its
 * watch (link-down, link-up); the running guests are plugged in again. */
static void
test_guests_switch_restart (void)
{
  GuestPair pair = { 0 };
  g_autoptr(GError) error = NULL;
  LinkEvents ev = { 0 };
  GPid pid;

  if (!guest_pair_make (&pair, "r", 1, "phoenix2"))
    return;
  pair.serial[0] = start_guest (pair.vm[0]);
  pair.serial[1] = start_guest (pair.vm[1]);
  g_signal_connect (pair.sw, "link-down", G_CALLBACK (on_down), &ev);
  g_signal_connect (pair.sw, "link-up", G_CALLBACK (on_up), &ev);
  hg_switch_watch (pair.sw);
  pid = hg_switch_find_running (pair.sw);
  track_pid (pid);
  guest_pair_up (&pair);
  g_assert_true (guest_ping (pair.serial[0], "10.77.1.2"));

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_until (up_seen, &ev, 15000));
  untrack_pid (pid);
  track_pid (hg_switch_find_running (pair.sw));
  g_assert_cmpuint (ev.down, ==, 1);
  g_assert_cmpint (hg_switch_find_running (pair.sw), !=, pid);
  g_assert_true (hg_switch_check_answers (pair.sw, &error));
  g_assert_no_error (error);
  /* the VMs watch their switch too: their NICs went link-down and were
   * plugged into the new switch, so the running pair reaches each other
   * again without a restart */
  g_assert_true (guest_ping (pair.serial[0], "10.77.1.2"));
  g_assert_true (guest_ping (pair.serial[1], "10.77.1.1"));

  guest_pair_clear (&pair);
}

static void
test_host_tap (void)
{
  g_autofree char *ns = NULL;
  g_autofree char *base = NULL;
  g_autofree char *uid = g_strdup_printf ("PKEXEC_UID=%u", tap_owner_uid ());
  g_autofree char *other = g_strdup_printf ("%u", tap_owner_uid () + 1);
  g_autofree char *owner = g_strdup_printf ("%u", tap_owner_uid ());
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgSwitch) sw = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GSubprocess) plug = NULL;
  g_autoptr(GPtrArray) ports = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plug2tap = g_find_program_in_path ("vde_plug2tap");
  g_autofree char *setpriv = g_find_program_in_path ("setpriv");
  const char *env[] = { uid, NULL };
  const char *create[] = { "create-tap", "hgtap7", NULL };
  const char *delete[] = { "delete-tap", "hgtap7", NULL };
  const char *status[] = { "status", NULL };
  struct stat tun_st;

  if (!can_use_netns ())
    return;
  helper_users ();
  if (plug2tap == NULL)
    {
      hg_test_skip_or_fail ("vde_plug2tap is not installed (Debian package vde2)");
      return;
    }
  if (!g_file_test ("/dev/net/tun", G_FILE_TEST_EXISTS))
    {
      hg_test_skip_or_fail ("/dev/net/tun is missing (modprobe tun)");
      return;
    }
  vm = make_vde_vm ("net-b", "uplink", "52:54:00:78:00:02", &base);
  if (vm == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  ns = ns_add ("b");

  /* the helper makes a TAP owned by the user, persistent and up */
  g_assert_cmpint (run_helper (ns, env, create, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "hgtap7\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_helper (ns, env, status, &out, &err), ==, 0);
  {
    g_autofree char *line = g_strdup_printf ("hgtap7 owner=%u up=yes bridge=-", tap_owner_uid ());
    g_assert_nonnull (strstr (out, line));
  }
  g_clear_pointer (&out, g_free);
  {
    const char *argv[] = { "ip", "-n", ns, "-o", "link", "show", "hgtap7", NULL };
    g_assert_cmpint (run (argv, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, ",UP"));
    g_clear_pointer (&out, g_free);
  }
  /* owned for real: its owner may attach to it, another uid may not (needs
   * /dev/net/tun open to users, 0666 as udev makes it on Debian) */
  if (setpriv == NULL || stat ("/dev/net/tun", &tun_st) != 0 || (tun_st.st_mode & 0006) != 0006)
    hg_test_skip_or_fail ("/dev/net/tun is not 0666 here (or setpriv is missing): "
                          "TAP ownership not checked from a user process");
  else
    {
      const char *as_owner[] = { "ip", "netns", "exec", ns, setpriv, "--reuid", owner, "--regid", owner,
                                 "--clear-groups", self_exe, "--tun-attach", "hgtap7", NULL };
      const char *as_other[] = { "ip", "netns", "exec", ns, setpriv, "--reuid", other, "--regid", other,
                                 "--clear-groups", self_exe, "--tun-attach", "hgtap7", NULL };
      g_assert_cmpint (run (as_owner, NULL, NULL), ==, 0);
      g_assert_cmpint (run (as_other, NULL, NULL), !=, 0);
    }

  ns_enter (ns);
  {
    const char *argv[] = { "ip", "addr", "add", "10.78.0.1/24", "dev", "hgtap7", NULL };
    g_assert_cmpint (run (argv, NULL, NULL), ==, 0);
  }
  serial = start_guest (vm);
  sw = hg_switch_new (NULL, "uplink");
  g_assert_cmpint (hg_switch_find_running (sw), >, 0);
  track_pid (hg_switch_find_running (sw));

  /* the user side: the switch reaches the TAP through vde_plug2tap */
  plug = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                           plug2tap, "-s", hg_switch_get_data_path (sw), "hgtap7", NULL);
  g_assert_no_error (error);
  track_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (plug), NULL, 10));

  guest_shell (serial);
  guest_set_address (serial, "10.78.0.2/24");

  /* from the namespace's host side to the guest */
  {
    const char *argv[] = { "ping", "-c", "3", "-w", "30", "10.78.0.2", NULL };
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run (argv, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, " 0% packet loss"));
  }
  g_assert_true (guest_ping (serial, "10.78.0.1"));

  ports = hg_switch_list_ports_sync (sw, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_endpoint (ports, "net-b", NULL, NULL));
  g_assert_nonnull (find_endpoint (ports, NULL, "vde_plug2tap", NULL));

  /* while plugged the TAP is busy: delete-tap says so and changes nothing */
  g_clear_pointer (&err, g_free);
  {
    int rc = run_helper (ns, env, delete, NULL, &err);
    g_autoptr(GError) busy = hg_net_helper_error_for_exit (rc, err);
    g_assert_cmpint (rc, !=, 0);
    g_assert_nonnull (strstr (err, "in use"));
    g_assert_error (busy, HG_HELPER_ERROR, HG_HELPER_ERROR_BUSY);
  }

  untrack_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (plug), NULL, 10));
  g_subprocess_force_exit (plug);
  g_subprocess_wait (plug, NULL, NULL);
  g_clear_pointer (&serial, hg_test_serial_free);
  kill_vm (vm);
  untrack_pid (hg_switch_find_running (sw));
  hg_switch_stop_sync (sw, &error);
  g_assert_no_error (error);
  ns_leave ();

  /* the owner removes it */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_helper (ns, env, delete, NULL, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  out = ns_links (ns);
  g_assert_null (strstr (out, "hgtap7"));
  ns_del (ns);
  hg_test_remove_tree (base);
}

/* ---- the helper's bad-input table ----------------------------------------- */

typedef enum {
  SETUP_NONE,
  SETUP_FOREIGN_TAP,   /* hgtap8 owned by uid 4343 */
  SETUP_OWN_TAP,       /* hgtap8 owned by the caller, bridges hgbr0 (allowed) and hgbr1 */
} Setup;

typedef struct {
  const char *what;
  Setup       setup;
  const char *env[3];     /* besides PKEXEC_UID=<caller>, unless no_uid */
  gboolean    no_uid;
  const char *args[5];
  int         exit_code;
  const char *message;
} BadCase;


static const BadCase bad_cases[] = {
  { "no arguments", SETUP_NONE, { NULL }, FALSE, { NULL }, 2, "usage: create-tap NAME" },
  { "unknown verb", SETUP_NONE, { NULL }, FALSE, { "frobnicate", NULL }, 2, "unknown verb \"frobnicate\"" },
  { "extra argument", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap1", "hgtap2", NULL }, 2, "exactly one argument" },
  { "missing argument", SETUP_NONE, { NULL }, FALSE, { "create-tap", NULL }, 2, "exactly one argument" },
  { "attach-bridge, one argument", SETUP_NONE, { NULL }, FALSE, { "attach-bridge", "hgtap1", NULL }, 2, "exactly two arguments" },
  { "status with an argument", SETUP_NONE, { NULL }, FALSE, { "status", "x", NULL }, 2, "takes no arguments" },
  { "16 characters", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap12345678901", NULL }, 2, "is not a TAP name" },
  { "5 digits", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap12345", NULL }, 2, "is not a TAP name" },
  { "../", SETUP_NONE, { NULL }, FALSE, { "create-tap", "../hgtap1", NULL }, 2, "is not a TAP name" },
  { "tap0;id", SETUP_NONE, { NULL }, FALSE, { "create-tap", "tap0;id", NULL }, 2, "\"tap0;id\" is not a TAP name" },
  { "non-ASCII", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap\xd9\xa3", NULL }, 2, "is not a TAP name" },
  { "empty name", SETUP_NONE, { NULL }, FALSE, { "create-tap", "", NULL }, 2, "is not a TAP name" },
  { "lo", SETUP_NONE, { NULL }, FALSE, { "delete-tap", "lo", NULL }, 2, "\"lo\" is not a TAP name" },
  { "eth0", SETUP_NONE, { NULL }, FALSE, { "create-tap", "eth0", NULL }, 2, "\"eth0\" is not a TAP name" },
  { "alias hgtap01", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap01", NULL }, 2, "\"hgtap01\" is not a TAP name Hangar manages" },
  { "alias hgtap00", SETUP_NONE, { NULL }, FALSE, { "create-tap", "hgtap00", NULL }, 2, "without leading zeros" },
  { "alias hgtap0008", SETUP_OWN_TAP, { NULL }, FALSE, { "delete-tap", "hgtap0008", NULL }, 2, "\"hgtap0008\" is not a TAP name" },
  { "alias hgtap08, bridge", SETUP_OWN_TAP, { NULL }, FALSE, { "attach-bridge", "hgtap08", "hgbr0", NULL }, 2, "\"hgtap08\" is not a TAP name" },
  { "delete a TAP of another uid", SETUP_FOREIGN_TAP, { NULL }, FALSE, { "delete-tap", "hgtap8", NULL }, 3, "belongs to uid 4343, not to uid " CALLER },
  { "bridge a TAP of another uid", SETUP_FOREIGN_TAP, { NULL }, FALSE, { "attach-bridge", "hgtap8", "hgbr0", NULL }, 3, "belongs to uid 4343" },
  { "create over an existing TAP", SETUP_FOREIGN_TAP, { NULL }, FALSE, { "create-tap", "hgtap8", NULL }, 6, "already exists" },
  { "delete a missing TAP", SETUP_NONE, { NULL }, FALSE, { "delete-tap", "hgtap9", NULL }, 5, "there is no interface hgtap9" },
  { "bridge not allowed", SETUP_OWN_TAP, { NULL }, FALSE, { "attach-bridge", "hgtap8", "hgbr1", NULL }, 3, "bridge hgbr1 is not allowed" },
  { "bridge name with ;", SETUP_OWN_TAP, { NULL }, FALSE, { "attach-bridge", "hgtap8", "br0;id", NULL }, 2, "bridge name may only" },
  { "bridge name of 16", SETUP_OWN_TAP, { NULL }, FALSE, { "attach-bridge", "hgtap8", "hgbr0123456789ab", NULL }, 2, "1 to 15 characters" },
  { "no PKEXEC_UID", SETUP_NONE, { NULL }, TRUE, { "create-tap", "hgtap1", NULL }, 3, "PKEXEC_UID is not set" },
  { "PKEXEC_UID=0", SETUP_NONE, { "PKEXEC_UID=0", NULL }, TRUE, { "create-tap", "hgtap1", NULL }, 3, "PKEXEC_UID is 0" },
  { "PKEXEC_UID=42x", SETUP_NONE, { "PKEXEC_UID=42x", NULL }, TRUE, { "create-tap", "hgtap1", NULL }, 3, "not a uid" },
  { "PKEXEC_UID=-1", SETUP_NONE, { "PKEXEC_UID=-1", NULL }, TRUE, { "create-tap", "hgtap1", NULL }, 3, "not a uid" },
  { "PKEXEC_UID of no user", SETUP_NONE, { "PKEXEC_UID=" NO_USER, NULL }, TRUE, { "create-tap", "hgtap1", NULL }, 3, "PKEXEC_UID " NO_USER " names no user" },
  { "PKEXEC_UID of no user, status", SETUP_NONE, { "PKEXEC_UID=" NO_USER, NULL }, TRUE, { "status", NULL }, 3, "names no user" },
  { "LD_PRELOAD", SETUP_NONE, { "LD_PRELOAD=/nonexistent/hg-evil.so", NULL }, FALSE, { "create-tap", "hgtap1", NULL }, 4, "LD_PRELOAD set in the environment" },
  { "LD_LIBRARY_PATH", SETUP_NONE, { "LD_LIBRARY_PATH=/tmp", NULL }, FALSE, { "create-tap", "hgtap1", NULL }, 4, "LD_LIBRARY_PATH" },
  { "PATH", SETUP_NONE, { "PATH=/tmp/evil:/usr/bin", NULL }, FALSE, { "create-tap", "hgtap1", NULL }, 4, "PATH=/tmp/evil:/usr/bin" },
  { "PATH with .", SETUP_NONE, { "PATH=/usr/bin:", NULL }, FALSE, { "create-tap", "hgtap1", NULL }, 4, "only system directories" },
};

static void
write_helper_conf (const char *text,
                   mode_t      mode)
{
  const char *conf = g_getenv ("HANGAR_NET_HELPER_TEST_CONF");
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (conf);
  g_file_set_contents (conf, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (conf, mode), ==, 0);
}

static void
setup_case (const char *ns,
            Setup       setup)
{
  const char *foreign_env[] = { "PKEXEC_UID=" FOREIGN, NULL };
  const char *own_env[] = { "PKEXEC_UID=" CALLER, NULL };
  const char *create[] = { "create-tap", "hgtap8", NULL };

  if (setup == SETUP_FOREIGN_TAP)
    g_assert_cmpint (run_helper (ns, foreign_env, create, NULL, NULL), ==, 0);
  if (setup == SETUP_OWN_TAP)
    {
      const char *br0[] = { "ip", "-n", ns, "link", "add", "hgbr0", "type", "bridge", NULL };
      const char *br1[] = { "ip", "-n", ns, "link", "add", "hgbr1", "type", "bridge", NULL };
      g_assert_cmpint (run_helper (ns, own_env, create, NULL, NULL), ==, 0);
      g_assert_cmpint (run (br0, NULL, NULL), ==, 0);
      g_assert_cmpint (run (br1, NULL, NULL), ==, 0);
    }
}

static void
test_helper_bad_input (void)
{
  if (!can_use_netns ())
    return;
  helper_users ();
  write_helper_conf ("# test build of hangar-net-helper\nallowed-bridges = hgbr0\n", 0644);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autofree char *ns = ns_add ("c");
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GPtrArray) env = g_ptr_array_new ();
      int rc;

      g_test_message ("bad input: %s", c->what);
      setup_case (ns, c->setup);
      before = ns_links (ns);
      if (!c->no_uid)
        g_ptr_array_add (env, (char *) "PKEXEC_UID=" CALLER);
      for (guint e = 0; c->env[e] != NULL; e++)
        g_ptr_array_add (env, (char *) c->env[e]);
      g_ptr_array_add (env, NULL);
      rc = run_helper (ns, (const char * const *) env->pdata, c->args, NULL, &err);
      after = ns_links (ns);
      if (rc != c->exit_code || strstr (err, c->message) == NULL)
        g_error ("%s: exit %d (expected %d), stderr: %s (expected \"%s\")",
                 c->what, rc, c->exit_code, err, c->message);
      /* one clear line, naming the program */
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_nonnull (strstr (err, "hangar-net-helper: "));
      g_assert_cmpstr (before, ==, after);
      /* what a window would show: the helper's line, typed */
      {
        g_autoptr(GError) shown = hg_net_helper_error_for_exit (rc, err);
        g_assert_nonnull (shown);
        g_assert_true (shown->domain == HG_HELPER_ERROR);
        g_assert_cmpint (shown->code, !=, HG_HELPER_ERROR_FAILED);
        g_assert_nonnull (strstr (shown->message, c->message));
        g_assert_null (strstr (shown->message, "hangar-net-helper:"));
      }
      ns_del (ns);
    }
}

static void
test_helper_client (void)
{
  g_autoptr(HgHostCaps) fixed = hg_host_caps_new_fixed (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) taps = NULL;
  g_auto(GStrv) argv = NULL;
  const char *args[] = { "create-tap", "hgtap3", NULL };
  HgTapStatus *st;
  gboolean tun = FALSE;

  taps = hg_net_helper_parse_status ("tun=yes\nhgtap3 owner=1000 up=yes bridge=-\n"
                                     "hgtap12 owner=-1 up=no bridge=br0\njunk\n", &tun);
  g_assert_true (tun);
  g_assert_cmpuint (taps->len, ==, 2);
  st = g_ptr_array_index (taps, 0);
  g_assert_cmpstr (st->name, ==, "hgtap3");
  g_assert_cmpint (st->owner, ==, 1000);
  g_assert_true (st->up);
  g_assert_null (st->bridge);
  st = g_ptr_array_index (taps, 1);
  g_assert_cmpint (st->owner, ==, -1);
  g_assert_false (st->up);
  g_assert_cmpstr (st->bridge, ==, "br0");

  g_free (fixed->pkexec);
  fixed->pkexec = NULL;
  g_free (fixed->helper);
  fixed->helper = g_strdup ("/usr/libexec/hangar-net-helper");
  g_assert_null (hg_net_helper_build_argv (fixed, args, &error));
  g_assert_error (error, HG_HELPER_ERROR, HG_HELPER_ERROR_NO_PKEXEC);
  g_assert_nonnull (strstr (error->message, "pkexec"));
  g_clear_error (&error);
  fixed->pkexec = g_strdup ("/usr/bin/pkexec");
  g_clear_pointer (&fixed->helper, g_free);
  g_assert_null (hg_net_helper_build_argv (fixed, args, &error));
  g_assert_error (error, HG_HELPER_ERROR, HG_HELPER_ERROR_NO_HELPER);
  g_clear_error (&error);
  fixed->helper = g_strdup ("/usr/libexec/hangar-net-helper");
  argv = hg_net_helper_build_argv (fixed, args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (argv), ==, 4);
  g_assert_cmpstr (argv[0], ==, "/usr/bin/pkexec");
  g_assert_cmpstr (argv[1], ==, "/usr/libexec/hangar-net-helper");
  g_assert_cmpstr (argv[3], ==, "hgtap3");

  /* pkexec's own refusals, the tun module */
  {
    g_autoptr(GError) e1 = hg_net_helper_error_for_exit (126, "Error executing command as another user: Request dismissed\n");
    g_autoptr(GError) e2 = hg_net_helper_error_for_exit (127, "Error executing command as another user: Not authorized\n");
    g_autoptr(GError) e3 = hg_net_helper_error_for_exit (1, "hangar-net-helper: /dev/net/tun is missing: load the tun module (modprobe tun)\n");
    g_assert_error (e1, HG_HELPER_ERROR, HG_HELPER_ERROR_NOT_AUTHORIZED);
    g_assert_nonnull (strstr (e1->message, "Request dismissed"));
    g_assert_error (e2, HG_HELPER_ERROR, HG_HELPER_ERROR_NOT_AUTHORIZED);
    g_assert_error (e3, HG_HELPER_ERROR, HG_HELPER_ERROR_NO_TUN);
    g_assert_cmpstr (e3->message, ==, "/dev/net/tun is missing: load the tun module (modprobe tun)");
    g_assert_null (hg_net_helper_error_for_exit (0, ""));
  }
}

static void
test_helper_bridge (void)
{
  g_autofree char *ns = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *env[] = { "PKEXEC_UID=" CALLER, NULL };
  const char *attach[] = { "attach-bridge", "hgtap8", "hgbr0", NULL };
  const char *status[] = { "status", NULL };

  if (!can_use_netns ())
    return;
  helper_users ();
  ns = ns_add ("d");
  setup_case (ns, SETUP_OWN_TAP);

  /* a config file others can write is not trusted */
  write_helper_conf ("allowed-bridges=hgbr0\n", 0666);
  g_assert_cmpint (run_helper (ns, env, attach, NULL, &err), ==, 3);
  g_assert_nonnull (strstr (err, "writable only by root"));
  g_clear_pointer (&err, g_free);

  write_helper_conf ("allowed-bridges=hgbr9, hgbr0\n", 0644);
  g_assert_cmpint (run_helper (ns, env, attach, NULL, &err), ==, 0);
  g_assert_cmpint (run_helper (ns, env, status, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "hgtap8 owner=" CALLER " up=yes bridge=hgbr0"));
  ns_del (ns);
}

/* ---- polkit ---------------------------------------------------------------- */

static void
test_policy (void)
{
  const char *policy = g_getenv ("HANGAR_POLICY_FILE");
  const char *helper_installed = g_getenv ("HANGAR_HELPER_INSTALLED_PATH");
  g_autofree char *text = NULL;
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *annotation = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (policy);
  g_assert_nonnull (helper_installed);
  g_file_get_contents (policy, &text, NULL, &error);
  g_assert_no_error (error);

  annotation = g_strdup_printf ("<annotate key=\"org.freedesktop.policykit.exec.path\">%s</annotate>",
                                helper_installed);
  g_assert_nonnull (strstr (text, annotation));
  g_assert_nonnull (strstr (text, "<action id=\"io.github.hangarvm.Hangar.net-helper\">"));
  g_assert_nonnull (strstr (text, "<allow_active>auth_admin_keep</allow_active>"));
  g_assert_null (strstr (text, ">yes<"));

  if (xmllint == NULL)
    {
      hg_test_skip_or_fail ("xmllint is not installed (libxml2-utils)");
      return;
    }
  {
    const char *dtd = "/usr/share/polkit-1/policyconfig-1.dtd";
    const char *wf[] = { xmllint, "--noout", policy, NULL };
    const char *valid[] = { xmllint, "--noout", "--dtdvalid", dtd, policy, NULL };
    g_autofree char *err = NULL;
    g_assert_cmpint (run (wf, NULL, NULL), ==, 0);
    if (g_file_test (dtd, G_FILE_TEST_EXISTS))
      {
        g_assert_cmpint (run (valid, NULL, &err), ==, 0);
      }
    else
      hg_test_skip_or_fail ("polkit's DTD is missing: the policy is only checked as well-formed");
  }
}

/* pkaction asks polkitd over the system bus.  polkitd reads actions only
 * from /usr/share/polkit-1/actions, so the installed policy is copied there
 * (and removed after); polkitd and a bus just for it are started here,
 * never touching the machine's system bus. */
static void
test_pkaction (void)
{
  const char *build_root = g_getenv ("HANGAR_BUILD_ROOT");
  const char *meson = g_getenv ("HANGAR_MESON");
  const char *helper_installed = g_getenv ("HANGAR_HELPER_INSTALLED_PATH");
  const char *policy_dir = "/usr/share/polkit-1/actions";
  const char *polkitd = "/usr/lib/polkit-1/polkitd";
  g_autofree char *dbus = g_find_program_in_path ("dbus-daemon");
  g_autofree char *pkaction = g_find_program_in_path ("pkaction");
  g_autofree char *gdbus = g_find_program_in_path ("gdbus");
  g_autofree char *dest = NULL;
  g_autofree char *installed_policy = NULL;
  g_autofree char *installed_helper = NULL;
  g_autofree char *target = NULL;
  g_autofree char *bus_conf = NULL;
  g_autofree char *bus_sock = NULL;
  g_autofree char *bus_address = NULL;
  g_autofree char *conf_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GSubprocess) pkd = NULL;
  g_autoptr(GError) error = NULL;
  gboolean copied = FALSE;

  if (geteuid () != 0)
    {
      hg_test_skip_or_fail ("needs root: polkitd reads actions only from /usr/share/polkit-1/actions");
      return;
    }
  if (meson == NULL || build_root == NULL)
    {
      hg_test_skip_or_fail ("HANGAR_MESON / HANGAR_BUILD_ROOT not set (run through meson test)");
      return;
    }
  if (dbus == NULL || pkaction == NULL || gdbus == NULL || !g_file_test (polkitd, G_FILE_TEST_IS_EXECUTABLE))
    {
      hg_test_skip_or_fail ("dbus-daemon, pkaction, gdbus or polkitd is missing (packages dbus, pkexec, polkitd)");
      return;
    }

  /* install to a prefix */
  dest = g_dir_make_tmp ("hangar-destdir-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *argv[] = { meson, "install", "--no-rebuild", "-C", build_root,
                           "--destdir", dest, NULL };
    /* output to a file: it may be long */
    g_autofree char *log = g_strconcat (dest, ".log", NULL);
    g_autoptr(GSubprocessLauncher) install = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_autoptr(GSubprocess) sub = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_launcher_set_stdout_file_path (install, log);
    g_subprocess_launcher_set_stderr_file_path (install, log);
    sub = g_subprocess_launcher_spawnv (install, argv, &error);
    g_assert_no_error (error);
    g_subprocess_wait_async (sub, NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 120000));
    g_subprocess_wait_finish (sub, result, &error);
    g_assert_no_error (error);
    if (!g_subprocess_get_if_exited (sub) || g_subprocess_get_exit_status (sub) != 0)
      {
        g_autofree char *text = NULL;
        g_file_get_contents (log, &text, NULL, NULL);
        g_error ("meson install failed: %s", text);
      }
    g_unlink (log);
  }
  installed_helper = g_build_filename (dest, helper_installed, NULL);
  g_assert_true (g_file_test (installed_helper, G_FILE_TEST_IS_EXECUTABLE));
  installed_policy = g_build_filename (dest, g_getenv ("HANGAR_POLKIT_ACTIONS_DIR"),
                                       "io.github.hangarvm.Hangar.policy", NULL);
  g_assert_true (g_file_test (installed_policy, G_FILE_TEST_IS_REGULAR));

  target = g_build_filename (policy_dir, "io.github.hangarvm.Hangar.policy", NULL);
  if (g_file_test (target, G_FILE_TEST_EXISTS))
    g_test_message ("%s exists already (an installed Hangar): checking that one", target);
  else
    {
      g_autofree char *contents = NULL;
      gsize len;
      g_file_get_contents (installed_policy, &contents, &len, &error);
      g_assert_no_error (error);
      g_file_set_contents (target, contents, len, &error);
      g_assert_no_error (error);
      g_chmod (target, 0644);
      g_strlcpy (tracked_file, target, sizeof tracked_file);
      copied = TRUE;
    }

  /* a private "system" bus and polkitd on it (polkitd drops to its own
   * user, which must reach the socket) */
  g_assert_cmpint (g_chmod (dest, 0711), ==, 0);
  bus_sock = g_build_filename (dest, "bus.sock", NULL);
  bus_conf = g_build_filename (dest, "bus.conf", NULL);
  bus_address = g_strdup_printf ("unix:path=%s", bus_sock);
  conf_text = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig><type>system</type><listen>%s</listen><auth>EXTERNAL</auth>\n"
    "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
    "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy></busconfig>\n", bus_address);
  g_file_set_contents (bus_conf, conf_text, -1, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", bus_address, TRUE);
  bus = g_subprocess_launcher_spawn (launcher, &error, dbus, "--config-file", bus_conf,
                                     "--nofork", "--print-address", NULL);
  g_assert_no_error (error);
  track_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (bus), NULL, 10));
  {
    /* the bus prints its address once it listens */
    g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
    g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
  }
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  pkd = g_subprocess_launcher_spawn (launcher, &error, polkitd, "--no-debug", NULL);
  g_assert_no_error (error);
  track_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (pkd), NULL, 10));
  {
    g_autofree char *assign = g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s", bus_address);
    const char *wait_argv[] = { "env", assign, gdbus, "wait", "--system", "--timeout", "20",
                                "org.freedesktop.PolicyKit1", NULL };
    const char *pk_argv[] = { "env", assign, pkaction, "--verbose", "--action-id",
                              "io.github.hangarvm.Hangar.net-helper", NULL };
    g_autofree char *expect = g_strdup_printf ("org.freedesktop.policykit.exec.path -> %s",
                                               helper_installed);
    g_assert_cmpint (run (wait_argv, NULL, &err), ==, 0);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (run (pk_argv, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "io.github.hangarvm.Hangar.net-helper:"));
    g_assert_nonnull (strstr (out, "implicit active:   auth_admin_keep"));
    g_assert_nonnull (strstr (out, expect));
  }

  untrack_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (pkd), NULL, 10));
  untrack_pid ((GPid) g_ascii_strtoll (g_subprocess_get_identifier (bus), NULL, 10));
  g_subprocess_force_exit (pkd);
  g_subprocess_wait (pkd, NULL, NULL);
  g_subprocess_force_exit (bus);
  g_subprocess_wait (bus, NULL, NULL);
  if (copied)
    g_unlink (target);
  tracked_file[0] = '\0';
  hg_test_remove_tree (dest);
}

/* ---- --tun-attach: run as a given uid by test_host_tap ---------------------- */

static int
tun_attach (const char *name)
{
  struct ifreq ifr = { 0 };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return 2;
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      g_printerr ("TUNSETIFF %s as uid %u: %s\n", name, (guint) getuid (), g_strerror (errno));
      close (fd);
      return 1;
    }
  close (fd);
  return 0;
}

int
main (int argc, char **argv)
{
  int ret;

  if (argc == 3 && g_str_equal (argv[1], "--tun-attach"))
    return tun_attach (argv[2]);

  g_test_init (&argc, &argv, NULL);
  signal (SIGABRT, emergency_cleanup);
  signal (SIGTERM, emergency_cleanup);
  signal (SIGINT, emergency_cleanup);
  atexit (kill_tracked);   /* an exit() from a sanitizer or g_error path */
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/net/switch/names", test_names);
  g_test_add_func ("/hangar/net/switch/parse-ports", test_parse_ports);
  g_test_add_func ("/hangar/net/switch/lifecycle", test_switch_lifecycle);
  g_test_add_func ("/hangar/net/switch/restart", test_switch_restart);
  g_test_add_func ("/hangar/net/cli/switch", test_cli_switch);
  g_test_add_func ("/hangar/net/helper/client", test_helper_client);
  g_test_add_func ("/hangar/net/helper/bad-input", test_helper_bad_input);
  g_test_add_func ("/hangar/net/helper/attach-bridge", test_helper_bridge);
  g_test_add_func ("/hangar/net/policy/validate", test_policy);
  g_test_add_func ("/hangar/net/policy/pkaction", test_pkaction);
  g_test_add_func ("/hangar/net/guests/ping", test_guests_ping);
  g_test_add_func ("/hangar/net/guests/host-tap", test_host_tap);
  g_test_add_func ("/hangar/net/guests/switch-restart", test_guests_switch_restart);
  g_test_add_func ("/hangar/net/guests/start-switch-async", test_start_switch_async);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
