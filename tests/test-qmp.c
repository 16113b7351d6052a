/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <string.h>

#include "hg-fake-qmp.h"
#include "hg-qmp-client.h"
#include "hg-qmp-commands.h"
#include "hg-test-wait.h"

/* QMP protocol edge cases against a scripted fake peer (no QEMU needed). */

#define WAIT_MS 10000

/* Lets cancelled I/O of closed clients finish (for leak checkers). */
static void
drain (void)
{
  while (g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
    ;
}

typedef struct {
  guint   n_disconnected;
  GError *error;
  GPtrArray *events;    /* char* names */
  guint   n_stop;
  gint64  last_timestamp;
  JsonObject *last_data;
} Watch;

static void
on_disconnected (HgQmpClient *client, const GError *error, Watch *w)
{
  w->n_disconnected++;
  g_clear_error (&w->error);
  w->error = g_error_copy (error);
  g_assert_false (hg_qmp_client_is_connected (client));
}

static void
on_event (HgQmpClient *client, const char *name, JsonObject *data, gint64 ts, Watch *w)
{
  g_assert_nonnull (data);
  g_ptr_array_add (w->events, g_strdup (name));
  w->last_timestamp = ts;
  g_clear_pointer (&w->last_data, json_object_unref);
  w->last_data = json_object_ref (data);
}

static void
on_stop (HgQmpClient *client, const char *name, JsonObject *data, gint64 ts, Watch *w)
{
  g_assert_cmpstr (name, ==, "STOP");
  w->n_stop++;
}

static void
watch_init (Watch *w, HgQmpClient *client)
{
  memset (w, 0, sizeof *w);
  w->events = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), w);
  g_signal_connect (client, "event", G_CALLBACK (on_event), w);
  g_signal_connect (client, "event::STOP", G_CALLBACK (on_stop), w);
}

static void
watch_clear (Watch *w)
{
  g_clear_error (&w->error);
  g_clear_pointer (&w->events, g_ptr_array_unref);
  g_clear_pointer (&w->last_data, json_object_unref);
}

static HgQmpClient *
connect_ok (HgFakeQmp *fake)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgQmpClient *client;

  hg_fake_qmp_handshake (fake);
  hg_qmp_client_connect_async (hg_fake_qmp_get_path (fake), NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  client = hg_qmp_client_connect_finish (result, &error);
  g_assert_no_error (error);
  g_assert_true (hg_qmp_client_is_connected (client));
  return client;
}

static GError *
open_error (HgQmpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  hg_qmp_client_open_async (client, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_false (hg_qmp_client_open_finish (client, result, &error));
  g_assert_nonnull (error);
  g_assert_false (hg_qmp_client_is_connected (client));
  return error;
}

/* ---- connecting -------------------------------------------------------- */

static void
test_connect (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  guint major, minor, micro;
  Watch w;

  watch_init (&w, client);
  g_assert_true (hg_qmp_client_get_qemu_version (client, &major, &minor, &micro));
  g_assert_cmpuint (major, ==, 7);
  g_assert_cmpuint (minor, ==, 2);
  g_assert_cmpuint (micro, ==, 22);
  hg_fake_qmp_assert_finished (fake);

  hg_qmp_client_close (client);
  hg_qmp_client_close (client);
  g_assert_cmpuint (w.n_disconnected, ==, 1);
  g_assert_error (w.error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  WAIT_UNTIL (hg_fake_qmp_saw_eof (fake));
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_no_socket (void)
{
  g_autoptr(HgQmpClient) client = hg_qmp_client_new ("/nonexistent/hangar/qmp.sock");
  g_autoptr(GError) error = open_error (client);

  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/hangar/qmp.sock"));
}

static void
test_no_greeting (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GError) error = NULL;
  gint64 start;

  hg_qmp_client_set_greeting_timeout (client, 300);
  start = g_get_monotonic_time ();
  error = open_error (client);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "greeting"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 290 * 1000);
  /* the peer sees the connection go */
  WAIT_UNTIL (hg_fake_qmp_saw_eof (fake));
  g_clear_object (&client);
  drain ();
}

static void
test_garbage_greeting (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GError) error = NULL;

  hg_fake_qmp_send (fake, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  error = open_error (client);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "not JSON"));

  g_clear_object (&client);
  drain ();
}

static void
test_wrong_greeting (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GError) error = NULL;

  hg_fake_qmp_send (fake, "{\"hello\": \"world\"}");
  error = open_error (client);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "greeting"));
  g_clear_object (&client);
  drain ();
}

static void
test_eof_before_greeting (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GError) error = NULL;

  hg_fake_qmp_close (fake);
  error = open_error (client);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  g_clear_object (&client);
  drain ();
}

static void
test_capabilities_refused (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GError) error = NULL;

  hg_fake_qmp_send (fake, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}");
  hg_fake_qmp_expect (fake, "qmp_capabilities", "caps");
  hg_fake_qmp_send (fake, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"nope\"}, \"id\": @caps@}");
  error = open_error (client);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "nope"));
  g_assert_false (hg_qmp_client_get_qemu_version (client, NULL, NULL, NULL));
  g_clear_object (&client);
  drain ();
}

static void
test_cancel_open (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* no greeting: the open waits until cancelled */
  hg_qmp_client_open_async (client, cancellable, store_result_cb, &result);
  WAIT_UNTIL (hg_fake_qmp_is_connected (fake));
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (result != NULL);
  g_assert_false (hg_qmp_client_open_finish (client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&client);
  drain ();
}

/* ---- running commands -------------------------------------------------- */

static JsonNode *
execute_sync (HgQmpClient *client, const char *command, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_qmp_client_execute_async (client, command, NULL, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  return hg_qmp_client_execute_finish (client, result, error);
}

static void
test_out_of_order (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GAsyncResult) ra = NULL, rb = NULL, rc = NULL;
  g_autoptr(JsonNode) na = NULL, nb = NULL, nc = NULL;
  g_autoptr(GError) error = NULL;

  hg_fake_qmp_expect (fake, "query-a", "a");
  hg_fake_qmp_expect (fake, "query-b", "b");
  hg_fake_qmp_expect (fake, "query-c", "c");
  hg_fake_qmp_send (fake, "{\"return\": {\"who\": \"c\"}, \"id\": @c@}");
  hg_fake_qmp_send (fake, "{\"return\": {\"who\": \"a\"}, \"id\": @a@}");
  hg_fake_qmp_send (fake, "{\"return\": [1, 2], \"id\": @b@}");

  hg_qmp_client_execute_async (client, "query-a", NULL, NULL, store_result_cb, &ra);
  hg_qmp_client_execute_async (client, "query-b", NULL, NULL, store_result_cb, &rb);
  hg_qmp_client_execute_async (client, "query-c", NULL, NULL, store_result_cb, &rc);
  g_assert_cmpuint (hg_qmp_client_get_n_pending (client), ==, 3);
  WAIT_UNTIL (ra && rb && rc);

  na = hg_qmp_client_execute_finish (client, ra, &error);
  g_assert_no_error (error);
  nb = hg_qmp_client_execute_finish (client, rb, &error);
  g_assert_no_error (error);
  nc = hg_qmp_client_execute_finish (client, rc, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (na), "who"), ==, "a");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (nb)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (nc), "who"), ==, "c");
  g_assert_cmpuint (hg_qmp_client_get_n_pending (client), ==, 0);

  /* ids are all different */
  {
    const char *ida = json_object_get_string_member (hg_fake_qmp_get_received (fake, "a"), "id");
    const char *idb = json_object_get_string_member (hg_fake_qmp_get_received (fake, "b"), "id");
    const char *idc = json_object_get_string_member (hg_fake_qmp_get_received (fake, "c"), "id");

    g_assert_cmpstr (ida, !=, idb);
    g_assert_cmpstr (idb, !=, idc);
    g_assert_cmpstr (ida, !=, idc);
  }
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

/* A screenshot is asked for as PNG, and a QEMU that cannot write PNG gives
 * an error that says so (Hangar has no PNG writer of its own). */
static void
test_screendump_png (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GError) error = NULL;
  JsonObject *sent_args;

  hg_fake_qmp_expect (fake, "screendump", "ok");
  hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @ok@}");
  {
    g_autoptr(GAsyncResult) result = NULL;

    hg_qmp_screendump_async (client, "/run/x/screen.png", NULL, NULL, store_result_cb, &result);
    WAIT_UNTIL (result != NULL);
    g_assert_true (hg_qmp_screendump_finish (client, result, &error));
    g_assert_no_error (error);
  }
  sent_args = json_object_get_object_member (hg_fake_qmp_get_received (fake, "ok"), "arguments");
  g_assert_cmpstr (json_object_get_string_member (sent_args, "filename"), ==, "/run/x/screen.png");
  g_assert_cmpstr (json_object_get_string_member (sent_args, "format"), ==, "png");

  /* QEMU 7.0 */
  hg_fake_qmp_expect (fake, "screendump", "old");
  hg_fake_qmp_send (fake, "{\"error\": {\"class\": \"GenericError\", "
                    "\"desc\": \"Parameter 'format' is unexpected\"}, \"id\": @old@}");
  {
    g_autoptr(GAsyncResult) result = NULL;

    hg_qmp_screendump_async (client, "/run/x/screen.png", NULL, NULL, store_result_cb, &result);
    WAIT_UNTIL (result != NULL);
    g_assert_false (hg_qmp_screendump_finish (client, result, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC);
    g_assert_nonnull (strstr (error->message, "PNG"));
    g_assert_nonnull (strstr (error->message, "Parameter 'format' is unexpected"));
    g_clear_error (&error);
  }
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

static void
test_arguments (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = json_from_string ("{\"device\": \"ide2-cd0\", \"force\": true, "
                                               "\"note\": \"line\\nbreak\"}", NULL);
  g_autoptr(JsonNode) ret = NULL;
  JsonObject *sent_args;

  hg_fake_qmp_expect (fake, "eject", "e");
  hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @e@}");
  hg_qmp_client_execute_async (client, "eject", args, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  ret = hg_qmp_client_execute_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (ret));

  sent_args = json_object_get_object_member (hg_fake_qmp_get_received (fake, "e"), "arguments");
  g_assert_cmpstr (json_object_get_string_member (sent_args, "device"), ==, "ide2-cd0");
  g_assert_true (json_object_get_boolean_member (sent_args, "force"));
  g_assert_cmpstr (json_object_get_string_member (sent_args, "note"), ==, "line\nbreak");

  /* non-object arguments are refused before anything is sent */
  {
    g_autoptr(JsonNode) bad = json_from_string ("[1]", NULL);
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autoptr(JsonNode) n2 = NULL;

    hg_qmp_client_execute_async (client, "eject", bad, NULL, store_result_cb, &r2);
    WAIT_UNTIL (r2 != NULL);
    n2 = hg_qmp_client_execute_finish (client, r2, &error);
    g_assert_null (n2);
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
  }
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

static void
test_error_classes (void)
{
  static const struct {
    const char *klass;
    HgQmpError  code;
  } cases[] = {
    { "GenericError", HG_QMP_ERROR_GENERIC },
    { "CommandNotFound", HG_QMP_ERROR_COMMAND_NOT_FOUND },
    { "DeviceNotFound", HG_QMP_ERROR_DEVICE_NOT_FOUND },
    { "DeviceNotActive", HG_QMP_ERROR_DEVICE_NOT_ACTIVE },
    { "KVMMissingCap", HG_QMP_ERROR_KVM_MISSING_CAP },
    { "SomethingFromQemu12", HG_QMP_ERROR_UNKNOWN_CLASS },
  };
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reply = NULL;
      g_autofree char *desc = g_strdup_printf ("Failure number %zu", i);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) ret = NULL;

      reply = g_strdup_printf ("{\"error\": {\"class\": \"%s\", \"desc\": \"%s\"}, \"id\": @x@}",
                               cases[i].klass, desc);
      hg_fake_qmp_expect (fake, "frob", "x");
      hg_fake_qmp_send (fake, reply);
      ret = execute_sync (client, "frob", &error);
      g_assert_null (ret);
      g_assert_error (error, HG_QMP_ERROR, (gint) cases[i].code);
      g_assert_cmpstr (error->message, ==, desc);
      g_assert_cmpint (hg_qmp_error_from_class (cases[i].klass), ==, cases[i].code);
    }
  g_assert_true (hg_qmp_client_is_connected (client));
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

static void
test_unknown_ids (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  hg_fake_qmp_expect (fake, "query-status", "s");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"wrong\"}, \"id\": \"someone-else-7\"}");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"wrong\"}, \"id\": 12345}");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"wrong\"}}");
  hg_fake_qmp_send (fake, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": [1]}");
  hg_fake_qmp_send (fake, "{\"timestamp\": 5}");
  hg_fake_qmp_send (fake, "");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": @s@}");

  ret = execute_sync (client, "query-status", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (ret), "status"), ==, "running");
  g_assert_true (hg_qmp_client_is_connected (client));
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

static void
test_events (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_send (fake, "{\"event\": \"FROBNICATED\", \"data\": {\"how\": [1, {\"x\": null}]}, "
                    "\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}}");
  hg_fake_qmp_send (fake, "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 5}}");
  hg_fake_qmp_send (fake, "{\"event\": \"NO_TIMESTAMP\", \"data\": 17}");
  hg_fake_qmp_send (fake, "{\"event\": 42}");
  WAIT_UNTIL (w.events->len == 3);

  g_assert_cmpstr (g_ptr_array_index (w.events, 0), ==, "FROBNICATED");
  g_assert_cmpstr (g_ptr_array_index (w.events, 1), ==, "STOP");
  g_assert_cmpstr (g_ptr_array_index (w.events, 2), ==, "NO_TIMESTAMP");
  g_assert_cmpuint (w.n_stop, ==, 1);   /* the detailed handler only saw STOP */
  g_assert_cmpint (w.last_timestamp, ==, -1);
  g_assert_cmpuint (json_object_get_size (w.last_data), ==, 0);

  /* an event between a command and its reply does not confuse matching */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;

    hg_fake_qmp_expect (fake, "cont", "c");
    hg_fake_qmp_send (fake, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1700000002, \"microseconds\": 0}}");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @c@}");
    ret = execute_sync (client, "cont", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (w.events->len, ==, 4);
    g_assert_cmpstr (g_ptr_array_index (w.events, 3), ==, "RESUME");
    g_assert_cmpint (w.last_timestamp, ==, G_GINT64_CONSTANT (1700000002000000));
  }

  g_assert_true (hg_qmp_client_is_connected (client));
  g_assert_cmpuint (w.n_disconnected, ==, 0);
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  g_assert_cmpuint (w.n_disconnected, ==, 0);   /* dropping the client is not an event */
  watch_clear (&w);
  drain ();
}

/* Sends three commands, the peer misbehaves with bad; all three must fail
 * with DISCONNECTED and "disconnected" come once with expected_code. */
static void
check_pending_fail (HgFakeQmp *fake, HgQmpClient *client, Watch *w, GQuark domain, gint code)
{
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  GAsyncResult **rs[] = { &r1, &r2, &r3 };

  hg_qmp_client_execute_async (client, "query-status", NULL, NULL, store_result_cb, &r1);
  hg_qmp_client_execute_async (client, "query-block", NULL, NULL, store_result_cb, &r2);
  hg_qmp_client_execute_async (client, "query-name", NULL, NULL, store_result_cb, &r3);
  WAIT_UNTIL (r1 && r2 && r3);

  for (gsize i = 0; i < G_N_ELEMENTS (rs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) ret = hg_qmp_client_execute_finish (client, *rs[i], &error);

      g_assert_null (ret);
      g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
    }
  g_assert_cmpuint (w->n_disconnected, ==, 1);
  g_assert_error (w->error, domain, code);
  g_assert_false (hg_qmp_client_is_connected (client));
  g_assert_cmpuint (hg_qmp_client_get_n_pending (client), ==, 0);

  /* after the end, commands fail at once and nothing more is emitted */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = execute_sync (client, "query-status", &error);

    g_assert_null (ret);
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  }
  g_assert_cmpuint (w->n_disconnected, ==, 1);
}

static void
test_disconnect_pending (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_expect (fake, "query-status", NULL);
  hg_fake_qmp_expect (fake, "query-block", NULL);
  hg_fake_qmp_close (fake);
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (w.error->message, "QEMU closed the QMP connection"));
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_garbage (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_expect (fake, "query-status", NULL);
  hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": \"hg-");   /* truncated JSON */
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  WAIT_UNTIL (hg_fake_qmp_saw_eof (fake));
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_not_an_object (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_send (fake, "[\"return\"]");
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  static const char bad[] = "{\"event\": \"STOP\", \"data\": {\"x\": \"\xc3\x28\xff\"}}\n";
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_expect (fake, "query-status", NULL);
  hg_fake_qmp_send_raw (fake, bad, sizeof bad - 1);
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (w.error->message, "UTF-8"));
  g_assert_cmpuint (w.n_stop, ==, 0);
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_nul_byte (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  static const char bad[] = "{\"event\": \"ST\0OP\"}\n";
  Watch w;

  watch_init (&w, client);
  hg_fake_qmp_send_raw (fake, bad, sizeof bad - 1);
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_huge_line (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  gsize big = HG_QMP_DEFAULT_MAX_MESSAGE_SIZE / 2;
  gsize huge = HG_QMP_DEFAULT_MAX_MESSAGE_SIZE + 4096;
  g_autofree char *payload = NULL;
  Watch w;

  g_assert_cmpuint (hg_qmp_client_get_max_message_size (client), ==, 16 * 1024 * 1024);
  watch_init (&w, client);

  /* a big but allowed reply (8 MiB) goes through */
  {
    g_autoptr(GString) reply = g_string_new ("{\"return\": \"");
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ret = NULL;

    g_string_set_size (reply, reply->len + big);
    memset (reply->str + reply->len - big, 'x', big);
    g_string_append (reply, "\", \"id\": @big@}");
    hg_fake_qmp_expect (fake, "human-monitor-command", "big");
    hg_fake_qmp_send (fake, reply->str);
    ret = execute_sync (client, "human-monitor-command", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (json_node_get_string (ret)), ==, big);
  }

  /* one over the limit, without a newline in sight, drops the connection */
  payload = g_malloc (huge);
  memset (payload, '{', huge);
  hg_fake_qmp_expect (fake, "query-status", NULL);
  hg_fake_qmp_send_raw (fake, payload, huge);
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (w.error->message, "16777216"));
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_small_cap (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = hg_qmp_client_new (hg_fake_qmp_get_path (fake));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Watch w;

  /* a complete line longer than a (configured) small cap */
  hg_qmp_client_set_max_message_size (client, 200);
  hg_fake_qmp_handshake (fake);
  hg_qmp_client_open_async (client, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (hg_qmp_client_open_finish (client, result, &error));
  g_assert_no_error (error);
  watch_init (&w, client);
  {
    g_autofree char *pad = g_strnfill (300, 'p');
    g_autofree char *ev = g_strdup_printf ("{\"event\": \"X\", \"data\": {\"pad\": \"%s\"}}\n"
                                           "{\"event\": \"STOP\"}", pad);

    hg_fake_qmp_send (fake, ev);
  }
  check_pending_fail (fake, client, &w, HG_QMP_ERROR, HG_QMP_ERROR_TOO_LARGE);
  g_assert_cmpuint (w.events->len, ==, 0);
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_command_timeout (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  hg_qmp_client_set_command_timeout (client, 200);
  g_assert_cmpuint (hg_qmp_client_get_command_timeout (client), ==, 200);
  hg_fake_qmp_expect (fake, "savevm-slowly", "slow");
  ret = execute_sync (client, "savevm-slowly", &error);
  g_assert_null (ret);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "savevm-slowly"));
  g_clear_error (&error);
  g_assert_true (hg_qmp_client_is_connected (client));
  g_assert_cmpuint (hg_qmp_client_get_n_pending (client), ==, 0);

  /* the late reply is ignored; the next command still works */
  hg_fake_qmp_send (fake, "{\"return\": {\"late\": true}, \"id\": @slow@}");
  hg_fake_qmp_expect (fake, "query-status", "s");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"paused\"}, \"id\": @s@}");
  ret = execute_sync (client, "query-status", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (ret), "status"), ==, "paused");
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

static void
test_cancel_command (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  hg_fake_qmp_expect (fake, "stop", "stop");
  hg_qmp_client_execute_async (client, "stop", NULL, cancellable, store_result_cb, &result);
  WAIT_UNTIL (hg_fake_qmp_is_finished (fake));
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (result != NULL);
  ret = hg_qmp_client_execute_finish (client, result, &error);
  g_assert_null (ret);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (hg_qmp_client_get_n_pending (client), ==, 0);
  g_assert_true (hg_qmp_client_is_connected (client));
  g_clear_object (&client);
  drain ();
}

static void
test_close_pending (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;
  Watch w;

  watch_init (&w, client);
  hg_qmp_client_execute_async (client, "query-status", NULL, NULL, store_result_cb, &result);
  hg_qmp_client_close (client);
  g_assert_cmpuint (w.n_disconnected, ==, 1);
  WAIT_UNTIL (result != NULL);
  ret = hg_qmp_client_execute_finish (client, result, &error);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  WAIT_UNTIL (hg_fake_qmp_saw_eof (fake));
  watch_clear (&w);
  g_clear_object (&client);
  drain ();
}

static void
test_drop_reference (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  HgQmpClient *client = connect_ok (fake);
  GWeakRef weak;

  g_weak_ref_init (&weak, client);
  g_object_unref (client);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  WAIT_UNTIL (hg_fake_qmp_saw_eof (fake));
  drain ();
}

/* ---- typed commands ---------------------------------------------------- */

static void
test_typed_commands (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GError) error = NULL;

  /* query-status */
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autofree char *status = NULL;
    gboolean running = TRUE;

    hg_fake_qmp_expect (fake, "query-status", "s");
    hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": @s@}");
    hg_qmp_query_status_async (client, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_true (hg_qmp_query_status_finish (client, r, &running, &status, &error));
    g_assert_no_error (error);
    g_assert_false (running);
    g_assert_cmpstr (status, ==, "prelaunch");
  }
  /* a reply of the wrong shape */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_fake_qmp_expect (fake, "query-status", "s2");
    hg_fake_qmp_send (fake, "{\"return\": [], \"id\": @s2@}");
    hg_qmp_query_status_async (client, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_false (hg_qmp_query_status_finish (client, r, NULL, NULL, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL);
    g_clear_error (&error);
  }
  /* query-name without a name */
  {
    g_autoptr(GAsyncResult) r = NULL;
    char *name = (char *) "unset";

    hg_fake_qmp_expect (fake, "query-name", "n");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @n@}");
    hg_qmp_query_name_async (client, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_true (hg_qmp_query_name_finish (client, r, &name, &error));
    g_assert_null (name);
  }
  /* send-key */
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_auto(GStrv) keys = hg_qmp_parse_key_combo ("Ctrl-Alt-Del", &error);
    JsonArray *sent;

    g_assert_no_error (error);
    hg_fake_qmp_expect (fake, "send-key", "k");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @k@}");
    hg_qmp_send_key_async (client, (const char * const *) keys, 0, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_true (hg_qmp_simple_finish (client, r, &error));
    sent = json_object_get_array_member (json_object_get_object_member (hg_fake_qmp_get_received (fake, "k"), "arguments"), "keys");
    g_assert_cmpuint (json_array_get_length (sent), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sent, 2), "data"), ==, "delete");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (sent, 2), "type"), ==, "qcode");
  }
  /* savevm with HMP error text */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_fake_qmp_expect (fake, "human-monitor-command", "sv");
    hg_fake_qmp_send (fake, "{\"return\": \"Error: No block device can accept snapshots\\r\\n\", \"id\": @sv@}");
    hg_qmp_savevm_async (client, "before-upgrade", NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP);
    g_assert_cmpstr (error->message, ==, "savevm before-upgrade failed: No block device can accept snapshots");
    g_clear_error (&error);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (hg_fake_qmp_get_received (fake, "sv"), "arguments"), "command-line"),
                     ==, "savevm before-upgrade");
  }
  /* a bad snapshot name never reaches QEMU */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_qmp_loadvm_async (client, "x; quit", NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  /* eject needs exactly one of device / id */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_qmp_eject_async (client, "ide2-cd0", "cd0", FALSE, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  /* quit: the peer hangs up without answering, which is success */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_fake_qmp_expect (fake, "quit", NULL);
    hg_fake_qmp_send (fake, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}");
    hg_fake_qmp_close (fake);
    hg_qmp_quit_async (client, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_true (hg_qmp_simple_finish (client, r, &error));
    g_assert_no_error (error);
  }
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

/* A new medium while the guest closes the tray behind our back (Linux
 * does when something opens the drive, e.g. its probe after a reset): the
 * tray is opened again and the medium goes in; a tray that never stays
 * open is an error naming the command and QEMU's words */
static void
script_tray_round (HgFakeQmp  *fake,
                   const char *failing)   /* command answered "not open", or NULL */
{
  static const char * const steps[] = { "blockdev-open-tray", "blockdev-remove-medium",
                                        "blockdev-insert-medium" };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      hg_fake_qmp_expect (fake, steps[i], steps[i]);
      if (g_strcmp0 (steps[i], failing) == 0)
        {
          g_autofree char *line = g_strdup_printf ("{\"error\": {\"class\": \"GenericError\", "
                                                   "\"desc\": \"Tray of device 'cd0' is not open\"}, "
                                                   "\"id\": @%s@}", steps[i]);
          hg_fake_qmp_send (fake, line);
          return;
        }
      {
        g_autofree char *line = g_strdup_printf ("{\"return\": {}, \"id\": @%s@}", steps[i]);
        hg_fake_qmp_send (fake, line);
      }
    }
}

static GPtrArray *
medium_nodes (void)
{
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);

  g_ptr_array_add (nodes, json_from_string ("{\"driver\": \"file\", \"node-name\": \"m-file\", "
                                            "\"filename\": \"/srv/new.iso\", \"read-only\": true}", NULL));
  g_ptr_array_add (nodes, json_from_string ("{\"driver\": \"raw\", \"node-name\": \"m\", "
                                            "\"file\": \"m-file\", \"read-only\": true}", NULL));
  return nodes;
}

static void
test_replace_medium_tray (void)
{
  g_autoptr(HgFakeQmp) fake = hg_fake_qmp_new ();
  g_autoptr(HgQmpClient) client = connect_ok (fake);
  g_autoptr(GPtrArray) nodes = medium_nodes ();
  g_autoptr(GError) error = NULL;

  /* closed once after the removal, once after the opening: in at the third */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_fake_qmp_expect (fake, "blockdev-add", "a1");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @a1@}");
    hg_fake_qmp_expect (fake, "blockdev-add", "a2");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @a2@}");
    script_tray_round (fake, "blockdev-insert-medium");
    script_tray_round (fake, "blockdev-remove-medium");
    script_tray_round (fake, NULL);
    hg_fake_qmp_expect (fake, "blockdev-close-tray", "c");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @c@}");
    hg_qmp_replace_medium_async (client, "cd0", nodes, "m", TRUE, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_true (hg_qmp_simple_finish (client, r, &error));
    g_assert_no_error (error);
    g_assert_true (hg_fake_qmp_is_finished (fake));
  }
  /* a tray that never stays open: the error after a few tries */
  {
    g_autoptr(GAsyncResult) r = NULL;

    hg_fake_qmp_expect (fake, "blockdev-add", "b1");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @b1@}");
    hg_fake_qmp_expect (fake, "blockdev-add", "b2");
    hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @b2@}");
    for (guint i = 0; i < 6; i++)
      script_tray_round (fake, "blockdev-insert-medium");
    hg_qmp_replace_medium_async (client, "cd0", nodes, "m", TRUE, NULL, store_result_cb, &r);
    WAIT_UNTIL (r != NULL);
    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC);
    g_assert_cmpstr (error->message, ==, "blockdev-insert-medium: Tray of device 'cd0' is not open");
    g_clear_error (&error);
  }
  hg_fake_qmp_assert_finished (fake);
  g_clear_object (&client);
  drain ();
}

/* Everything happens in the thread-default context of the thread that made
 * the client, not in the global default context. */
static gpointer
thread_func (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(HgFakeQmp) fake = NULL;
  g_autoptr(HgQmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;
  Watch w;

  g_main_context_push_thread_default (context);
  fake = hg_fake_qmp_new ();
  client = connect_ok (fake);
  watch_init (&w, client);
  hg_fake_qmp_expect (fake, "query-status", "s");
  hg_fake_qmp_send (fake, "{\"event\": \"STOP\"}");
  hg_fake_qmp_send (fake, "{\"return\": {\"status\": \"paused\"}, \"id\": @s@}");
  ret = execute_sync (client, "query-status", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w.n_stop, ==, 1);
  g_clear_pointer (&ret, json_node_unref);

  /* the command timeout fires in this context too */
  hg_qmp_client_set_command_timeout (client, 200);
  hg_fake_qmp_expect (fake, "query-status", NULL);
  ret = execute_sync (client, "query-status", &error);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT);

  watch_clear (&w);
  g_clear_object (&client);
  drain ();
  g_clear_pointer (&fake, hg_fake_qmp_free);
  g_main_context_pop_thread_default (context);
  return GINT_TO_POINTER (1);
}

static void
test_thread_context (void)
{
  GThread *thread = g_thread_new ("qmp-test", thread_func, NULL);

  /* nothing is dispatched by the global default context meanwhile */
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, 1);
}

/* ---- pure helpers ------------------------------------------------------ */

static void
test_key_combo (void)
{
  static const struct {
    const char *combo;
    const char *expected;    /* space-separated, NULL = error */
  } cases[] = {
    { "ctrl-alt-del", "ctrl alt delete" },
    { "Ctrl+Alt+F2", "ctrl alt f2" },
    { "ctrl-alt-delete", "ctrl alt delete" },
    { "shift-a", "shift a" },
    { "esc", "esc" },
    { "Enter", "ret" },
    { "altgr-q", "alt_r q" },
    { "super", "meta_l" },
    { "ctrl-alt-backspace", "ctrl alt backspace" },
    { "kp_add", "kp_add" },
    { "1", "1" },
    { "ctrl-", NULL },
    { "-", NULL },
    { "", NULL },
    { "ctrl-alt-deel", NULL },
    { "ctrl-alt-del; rm", NULL },
    { "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) keys = hg_qmp_parse_key_combo (cases[i].combo, &error);

      if (cases[i].expected == NULL)
        {
          g_assert_null (keys);
          g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
        }
      else
        {
          g_autofree char *joined = NULL;

          g_assert_no_error (error);
          joined = g_strjoinv (" ", keys);
          g_assert_cmpstr (joined, ==, cases[i].expected);
        }
    }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) keys = hg_qmp_parse_key_combo ("ctrl-alt-deel", &error);

    g_assert_nonnull (strstr (error->message, "“deel”"));
  }
  g_assert_true (hg_qmp_is_qcode ("ctrl"));
  g_assert_false (hg_qmp_is_qcode ("control"));
}

static void
test_snapshot_names (void)
{
  static const char * const good[] = { "boot", "before-upgrade", "v1.2_final", "a1" };
  static const char * const bad[] = { "", "-x", "123", "a b", "a;b", "ä", "x\nquit" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (hg_qmp_snapshot_name_is_valid (good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (hg_qmp_snapshot_name_is_valid (bad[i], &error));
      g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_parse_snapshots (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  HgQmpSnapshot *s;

  list = hg_qmp_parse_info_snapshots (
    "List of snapshots present on all disks:\r\n"
    "ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\r\n"
    "--        boot              1.05 MiB 2026-11-28 07:30:00 00:00:01.234\r\n"
    "--        with-icount        512 KiB 2026-11-28 07:31:00 00:00:09.000        77\r\n"
    "\r\n"
    "List of partial (non-loadable) snapshots on 'drive1':\r\n"
    "ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\r\n"
    "1         partial              0 B 2026-11-28 07:32:00 00:00:00.000\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  s = g_ptr_array_index (list, 0);
  g_assert_cmpstr (s->id, ==, "--");
  g_assert_cmpstr (s->tag, ==, "boot");
  g_assert_cmpstr (s->vm_size, ==, "1.05 MiB");
  g_assert_cmpstr (s->date, ==, "2026-11-28 07:30:00");
  g_assert_cmpstr (s->vm_clock, ==, "00:00:01.234");
  s = g_ptr_array_index (list, 1);
  g_assert_cmpstr (s->tag, ==, "with-icount");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = hg_qmp_parse_info_snapshots ("There is no snapshot available.\r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = hg_qmp_parse_info_snapshots ("No available block device supports snapshots\r\n", &error);
  g_assert_null (list);
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP);
  g_assert_nonnull (strstr (error->message, "No available block device supports snapshots"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/qmp/connect", test_connect);
  g_test_add_func ("/hangar/qmp/no-socket", test_no_socket);
  g_test_add_func ("/hangar/qmp/no-greeting", test_no_greeting);
  g_test_add_func ("/hangar/qmp/garbage-greeting", test_garbage_greeting);
  g_test_add_func ("/hangar/qmp/wrong-greeting", test_wrong_greeting);
  g_test_add_func ("/hangar/qmp/eof-before-greeting", test_eof_before_greeting);
  g_test_add_func ("/hangar/qmp/capabilities-refused", test_capabilities_refused);
  g_test_add_func ("/hangar/qmp/cancel-open", test_cancel_open);
  g_test_add_func ("/hangar/qmp/out-of-order", test_out_of_order);
  g_test_add_func ("/hangar/qmp/arguments", test_arguments);
  g_test_add_func ("/hangar/qmp/error-classes", test_error_classes);
  g_test_add_func ("/hangar/qmp/unknown-ids", test_unknown_ids);
  g_test_add_func ("/hangar/qmp/events", test_events);
  g_test_add_func ("/hangar/qmp/disconnect-pending", test_disconnect_pending);
  g_test_add_func ("/hangar/qmp/garbage", test_garbage);
  g_test_add_func ("/hangar/qmp/not-an-object", test_not_an_object);
  g_test_add_func ("/hangar/qmp/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/hangar/qmp/nul-byte", test_nul_byte);
  g_test_add_func ("/hangar/qmp/huge-line", test_huge_line);
  g_test_add_func ("/hangar/qmp/small-cap", test_small_cap);
  g_test_add_func ("/hangar/qmp/command-timeout", test_command_timeout);
  g_test_add_func ("/hangar/qmp/cancel-command", test_cancel_command);
  g_test_add_func ("/hangar/qmp/close-pending", test_close_pending);
  g_test_add_func ("/hangar/qmp/drop-reference", test_drop_reference);
  g_test_add_func ("/hangar/qmp/typed-commands", test_typed_commands);
  g_test_add_func ("/hangar/qmp/screendump-png", test_screendump_png);
  g_test_add_func ("/hangar/qmp/replace-medium-tray", test_replace_medium_tray);
  g_test_add_func ("/hangar/qmp/thread-context", test_thread_context);
  g_test_add_func ("/hangar/qmp/key-combo", test_key_combo);
  g_test_add_func ("/hangar/qmp/snapshot-names", test_snapshot_names);
  g_test_add_func ("/hangar/qmp/parse-snapshots", test_parse_snapshots);

  return g_test_run ();
}
