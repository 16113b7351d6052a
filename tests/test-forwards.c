/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "hg-proc-net.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm-forwards.h"

/*
 * Port forwards edited at run time (hg-vm-forwards.h, hangarctl forward):
 * parsing and the config syntax, then a real demo guest serving HTTP with
 * busybox httpd, reached from the host through a forward added while it
 * runs, and gone when it is removed.
 */

#define BOOT_TIMEOUT_MS 120000

static HgHostCaps *caps;

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 60000, __VA_ARGS__)

/* ---- parsing ------------------------------------------------------------ */

static void
assert_parse_fails (const char *text,
                    const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fwds = hg_host_fwd_parse (text, NULL, FALSE, &error);

  g_assert_null (fwds);
  g_assert_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID);
  if (strstr (error->message, needle) == NULL)
    g_error ("“%s”: «%s» lacks «%s»", text, error->message, needle);
}

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fwds = NULL;
  HgHostFwd *f;

  fwds = hg_host_fwd_parse ("2222:22", "ssh", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fwds->len, ==, 1);
  f = fwds->pdata[0];
  g_assert_cmpstr (f->proto, ==, "tcp");
  g_assert_null (f->address);
  g_assert_cmpuint (f->host_port, ==, 2222);
  g_assert_cmpuint (f->guest_port, ==, 22);
  g_assert_cmpstr (f->name, ==, "ssh");
  g_clear_pointer (&fwds, g_ptr_array_unref);

  /* QEMU's and the config's spellings, an explicit address */
  fwds = hg_host_fwd_parse ("udp:0.0.0.0:5353-:53", NULL, FALSE, &error);
  g_assert_no_error (error);
  f = fwds->pdata[0];
  g_assert_cmpstr (f->proto, ==, "udp");
  g_assert_cmpstr (f->address, ==, "0.0.0.0");
  g_assert_cmpuint (f->host_port, ==, 5353);
  g_assert_cmpuint (f->guest_port, ==, 53);
  g_clear_pointer (&fwds, g_ptr_array_unref);
  fwds = hg_host_fwd_parse ("tcp:8080-80", NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((HgHostFwd *) fwds->pdata[0])->host_port, ==, 8080);
  g_assert_cmpuint (((HgHostFwd *) fwds->pdata[0])->guest_port, ==, 80);
  g_clear_pointer (&fwds, g_ptr_array_unref);

  /* ranges expand port by port */
  fwds = hg_host_fwd_parse ("tcp:8000-8010:9000-9010", NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fwds->len, ==, 11);
  g_assert_cmpuint (((HgHostFwd *) fwds->pdata[10])->host_port, ==, 8010);
  g_assert_cmpuint (((HgHostFwd *) fwds->pdata[10])->guest_port, ==, 9010);
  g_clear_pointer (&fwds, g_ptr_array_unref);

  /* a removal may name the host port alone */
  fwds = hg_host_fwd_parse ("tcp:2222", NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((HgHostFwd *) fwds->pdata[0])->guest_port, ==, 0);
  g_clear_pointer (&fwds, g_ptr_array_unref);

  assert_parse_fails ("0:22", "host port 0 is outside 1–65535");
  assert_parse_fails ("70000:22", "host port 70000 is outside 1–65535");
  assert_parse_fails ("2222:0", "guest port 0 is outside 1–65535");
  assert_parse_fails ("2222:65536", "guest port 65536 is outside 1–65535");
  assert_parse_fails ("sctp:2222:22", "the protocol must be tcp or udp, not “sctp”");
  assert_parse_fails ("tcp:1.2.3:2222:22", "“1.2.3” is not an IPv4 address");
  assert_parse_fails ("8000-8010:80-81", "differ in length");
  assert_parse_fails ("8010-8000:8010-8000", "ends before it starts");
  assert_parse_fails ("2222", "is not [tcp:|udp:][ADDRESS:]HOSTPORT:GUESTPORT");
  assert_parse_fails ("ssh:22", "the protocol must be tcp or udp");
  assert_parse_fails ("1000-2000:1000-2000", "at most 256 ports");

  g_assert_null (hg_host_fwd_parse ("2222:22", "a,b", FALSE, &error));
  g_assert_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“a,b”"));
}

static void
test_reach_text (void)
{
  HgHostFwd ssh = { "tcp", NULL, 2222, 22, NULL };
  HgHostFwd web = { "tcp", NULL, 8080, 80, NULL };
  HgHostFwd other = { "tcp", "192.168.1.5", 5000, 5001, NULL };
  HgHostFwd dns = { "udp", NULL, 5353, 53, NULL };
  g_autofree char *a = hg_host_fwd_reach_text (&ssh);
  g_autofree char *b = hg_host_fwd_reach_text (&web);
  g_autofree char *c = hg_host_fwd_reach_text (&other);
  g_autofree char *d = hg_host_fwd_reach_text (&dns);

  g_assert_cmpstr (a, ==, "ssh -p 2222 localhost");
  g_assert_cmpstr (b, ==, "http://localhost:8080");
  g_assert_cmpstr (c, ==, "192.168.1.5:5000");
  g_assert_cmpstr (d, ==, "localhost:5353");
}

/* the config's syntax: old lines load as they were, a name survives */
static void
test_config_names (void)
{
  static const char text[] =
    "[machine]\nlabel=fw\narch=x86_64\n\n"
    "[net:0]\nmode=user\nhostfwd=tcp:2222-22,name=ssh;udp:127.0.0.1:5353-53;\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load_from_data (text, -1, "fw.hangar", &error);
  g_autofree char *saved = NULL;
  HgNic *nic;

  g_assert_no_error (error);
  nic = config->nics->pdata[0];
  g_assert_cmpuint (nic->hostfwd->len, ==, 2);
  g_assert_cmpstr (((HgHostFwd *) nic->hostfwd->pdata[0])->name, ==, "ssh");
  g_assert_null (((HgHostFwd *) nic->hostfwd->pdata[1])->name);
  saved = hg_vm_config_to_data (config, NULL);
  g_assert_nonnull (strstr (saved, "hostfwd=tcp:2222-22,name=ssh;udp:127.0.0.1:5353-53;"));

  for (guint i = 0; i < 3; i++)
    {
      static const char * const bad[] = {
        "tcp:2222-22,nom=ssh", "tcp:2222-22,name=", "tcp:2222-22;tcp:2222-23",
      };
      g_autofree char *data = g_strdup_printf ("[machine]\nlabel=fw\narch=x86_64\n\n"
                                               "[net:0]\nmode=user\nhostfwd=%s\n", bad[i]);
      g_autoptr(HgVmConfig) refused = hg_vm_config_load_from_data (data, -1, "fw.hangar", &error);

      g_assert_null (refused);
      g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
      g_assert_nonnull (strstr (error->message, "[net:0] hostfwd"));
      g_clear_error (&error);
    }
}

/* ---- a real guest --------------------------------------------------------- */

/* GET / over 127.0.0.1:port: the body, or NULL when nothing answers */
static char *
http_get (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  GInputStream *in;
  static const char request[] = "GET / HTTP/1.0\r\n\r\n";
  g_autoptr(GString) reply = g_string_new (NULL);
  char buf[4096];
  gssize n;

  g_socket_client_set_timeout (client, 30);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  if (conn == NULL)
    return NULL;
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL, &error))
    return NULL;
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    g_string_append_len (reply, buf, n);
  return g_string_free (g_steal_pointer (&reply), FALSE);
}

static char *
read_config (HgVmConfig *config)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (config->path, &text, NULL, NULL));
  return text;
}

static void
forwards_sync (HgVm       *vm,
               gboolean    add,
               const char *spec,
               GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) fwds = hg_host_fwd_parse (spec, NULL, !add, error);

  g_assert_nonnull (fwds);
  if (add)
    hg_vm_forwards_add_async (vm, fwds, -1, NULL, hg_test_store_result, &result);
  else
    hg_vm_forwards_remove_async (vm, fwds, -1, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  hg_vm_action_finish (vm, result, error);
}

static void
test_running (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "fwd", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *before = NULL, *after = NULL, *body = NULL;
  g_autofree char *spec = NULL, *spec_any = NULL, *bad = NULL, *holder_spec = NULL;
  g_auto(GStrv) addresses = NULL;
  guint16 port, port_any, held;
  int holder;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_ptr_array_add (config->nics, hg_nic_new (HG_NET_USER));
  g_free (((HgNic *) config->nics->pdata[0])->model);
  ((HgNic *) config->nics->pdata[0])->model = g_strdup ("virtio-net-pci");
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, 0);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  hg_test_serial_mark (serial);
  /* busybox httpd on the guest's port 80 (the echo's sum is not in the
   * command line the console echoes) */
  hg_test_serial_write (serial, "mkdir -p /tmp/www && echo hangar-forward-ok >/tmp/www/index.html "
                                "&& httpd -p 80 -h /tmp/www && echo HTTPD-$((40+2))\n");
  g_assert_true (hg_test_serial_wait_for (serial, "HTTPD-42", 30000));

  /* added while it runs, through hangarctl: reachable from the host */
  port = hg_test_free_port (SOCK_STREAM);
  spec = g_strdup_printf ("%u:80", port);
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", spec, "--name", "web", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "now and at every start"));
  body = http_get (port);
  g_assert_nonnull (body);
  g_assert_nonnull (strstr (body, "hangar-forward-ok"));
  /* on loopback only */
  addresses = hg_proc_net_tcp_listen_addresses (port);
  g_assert_cmpuint (g_strv_length (addresses), ==, 1);
  g_assert_cmpstr (addresses[0], ==, "127.0.0.1");
  g_clear_pointer (&addresses, g_strfreev);
  before = read_config (config);
  bad = g_strdup_printf ("tcp:%u-80,name=web", port);
  g_assert_nonnull (strstr (before, bad));
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "list", NULL), ==, 0);
  g_free (bad);
  bad = g_strdup_printf ("http://localhost:%u", port);
  g_assert_nonnull (strstr (out, bad));

  /* bad input on the running VM: refused, named, nothing changed */
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", "0:80", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "host port 0 is outside 1–65535"));
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", "2222:70000", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "guest port 70000 is outside 1–65535"));
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", spec, NULL), ==, 4);
  g_free (bad);
  bad = g_strdup_printf ("forwards host port %u/tcp already", port);
  g_assert_nonnull (strstr (err, bad));
  /* a port held by a socket of this test */
  held = hg_test_free_port (SOCK_STREAM);
  holder = hg_test_listen_tcp (held);
  holder_spec = g_strdup_printf ("%u:81", held);
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", holder_spec, NULL), ==, 4);
  g_free (bad);
  bad = g_strdup_printf ("Host port %u/tcp on 127.0.0.1 is in use by test-forwards (pid %d)",
                         held, (int) getpid ());
  if (strstr (err, bad) == NULL)
    g_error ("«%s» lacks «%s»", err, bad);
  forwards_sync (vm, TRUE, holder_spec, &error);
  g_assert_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_IN_USE);
  g_clear_error (&error);
  close (holder);
  after = read_config (config);
  g_assert_cmpstr (after, ==, before);

  /* removed through the engine: the host port is closed */
  g_free (spec);
  spec = g_strdup_printf ("tcp:%u", port);
  forwards_sync (vm, FALSE, spec, &error);
  g_assert_no_error (error);
  g_assert_false (hg_proc_net_tcp_is_listening ("127.0.0.1", port));
  g_clear_pointer (&body, g_free);
  body = http_get (port);
  g_assert_null (body);
  g_clear_pointer (&after, g_free);
  after = read_config (config);
  g_assert_null (strstr (after, "name=web"));
  forwards_sync (vm, FALSE, spec, &error);
  g_assert_error (error, HG_FORWARD_ERROR, HG_FORWARD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* every interface only when asked */
  port_any = hg_test_free_port (SOCK_STREAM);
  spec_any = g_strdup_printf ("tcp:0.0.0.0:%u:80", port_any);
  forwards_sync (vm, TRUE, spec_any, &error);
  g_assert_no_error (error);
  addresses = hg_proc_net_tcp_listen_addresses (port_any);
  g_assert_cmpuint (g_strv_length (addresses), ==, 1);
  g_assert_cmpstr (addresses[0], ==, "0.0.0.0");
  g_clear_pointer (&body, g_free);
  body = http_get (port_any);
  g_assert_nonnull (body);
  g_assert_nonnull (strstr (body, "hangar-forward-ok"));

  /* the config is the truth at the next start; stopped, only the config
   * changes */
  hg_test_vm_kill (vm);
  g_assert_false (hg_proc_net_tcp_is_listening ("0.0.0.0", port_any));
  port = hg_test_free_port (SOCK_STREAM);
  g_free (spec);
  spec = g_strdup_printf ("tcp:%u:22", port);
  g_assert_cmpint (ctl (base, &out, &err, "forward", "fwd", "add", spec, "--name", "ssh", NULL), ==, 0);
  g_free (bad);
  bad = g_strdup_printf ("from the next start: ssh -p %u localhost", port);
  g_assert_nonnull (strstr (out, bad));
  g_assert_false (hg_proc_net_tcp_is_listening ("127.0.0.1", port));
  g_clear_pointer (&after, g_free);
  after = read_config (config);
  g_free (bad);
  bad = g_strdup_printf ("tcp:%u-22,name=ssh", port);
  g_assert_nonnull (strstr (after, bad));
  g_assert_cmpint (ctl (base, &out, &err, "start", "fwd", NULL), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "monitor", "fwd", "info", "usernet", NULL), ==, 0);
  g_free (bad);
  bad = g_strdup_printf ("127.0.0.1 %5u", port);
  if (strstr (out, bad) == NULL)
    g_error ("«%s» lacks «%s»", out, bad);
  g_free (bad);
  bad = g_strdup_printf ("* %5u", port_any);   /* QEMU's way to write 0.0.0.0 */
  if (strstr (out, bad) == NULL)
    g_error ("«%s» lacks «%s»", out, bad);
  g_assert_cmpint (ctl (base, &out, &err, "kill", "fwd", NULL), ==, 0);

  hg_test_remove_tree (base);
}

/* a VM without user-mode networking: refused, config untouched */
static void
test_no_user_net (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", "nonet", &base);
  g_autofree char *out = NULL, *err = NULL, *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_ptr_array_add (config->nics, hg_nic_new (HG_NET_VDE));
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  before = read_config (config);
  g_assert_cmpint (ctl (base, &out, &err, "forward", "nonet", "add", "2222:22", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "VM 'nonet' has no user-mode network interface"));
  g_assert_cmpint (ctl (base, &out, &err, "forward", "nonet", "add", "--nic", "0", "2222:22", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "[net:0]"));
  g_assert_cmpint (ctl (base, &out, &err, "forward", "nonet", "list", NULL), ==, 4);
  after = read_config (config);
  g_assert_cmpstr (after, ==, before);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/forwards/parse", test_parse);
  g_test_add_func ("/hangar/forwards/reach-text", test_reach_text);
  g_test_add_func ("/hangar/forwards/config-names", test_config_names);
  g_test_add_func ("/hangar/forwards/no-user-net", test_no_user_net);
  g_test_add_func ("/hangar/forwards/running", test_running);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
