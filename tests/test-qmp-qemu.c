/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-qemu-fixture.h"
#include "hg-qmp-client.h"
#include "hg-qmp-commands.h"
#include "hg-test-skip.h"
#include "hg-test-wait.h"

/* The QMP client against a real qemu-system-x86_64 (TCG, -S, no guest). */

#define WAIT_MS 20000
#define TEST_UUID "5a3c1e0e-8a51-4c59-9d5e-1f0b8f3f6a11"

#define AWAIT(call_with_result)                 \
  ({                                            \
    GAsyncResult *r_ = NULL;                    \
    call_with_result;                           \
    WAIT_UNTIL (r_ != NULL);                    \
    r_;                                         \
  })

typedef struct {
  GPtrArray *events;        /* names, in order */
  guint      n_disconnected;
  GError    *error;
  JsonObject *shutdown_data;
  GPtrArray *tray;          /* "open"/"closed" from DEVICE_TRAY_MOVED */
} Watch;

static void
on_event (HgQmpClient *client, const char *name, JsonObject *data, gint64 ts, Watch *w)
{
  g_assert_cmpint (ts, >, G_GINT64_CONSTANT (1600000000) * G_USEC_PER_SEC);
  g_ptr_array_add (w->events, g_strdup (name));
}

static void
on_shutdown (HgQmpClient *client, const char *name, JsonObject *data, gint64 ts, Watch *w)
{
  g_clear_pointer (&w->shutdown_data, json_object_unref);
  w->shutdown_data = json_object_ref (data);
}

static void
on_tray (HgQmpClient *client, const char *name, JsonObject *data, gint64 ts, Watch *w)
{
  g_ptr_array_add (w->tray, g_strdup (json_object_get_boolean_member (data, "tray-open")
                                      ? "open" : "closed"));
}

static void
on_disconnected (HgQmpClient *client, const GError *error, Watch *w)
{
  w->n_disconnected++;
  g_clear_error (&w->error);
  w->error = g_error_copy (error);
}

static void
watch_init (Watch *w, HgQmpClient *client)
{
  memset (w, 0, sizeof *w);
  w->events = g_ptr_array_new_with_free_func (g_free);
  w->tray = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (client, "event", G_CALLBACK (on_event), w);
  g_signal_connect (client, "event::SHUTDOWN", G_CALLBACK (on_shutdown), w);
  g_signal_connect (client, "event::DEVICE_TRAY_MOVED", G_CALLBACK (on_tray), w);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), w);
}

static void
watch_clear (Watch *w)
{
  g_clear_pointer (&w->events, g_ptr_array_unref);
  g_clear_pointer (&w->tray, g_ptr_array_unref);
  g_clear_pointer (&w->shutdown_data, json_object_unref);
  g_clear_error (&w->error);
}

static gboolean
saw_event (Watch *w, const char *name)
{
  for (guint i = 0; i < w->events->len; i++)
    if (g_str_equal (g_ptr_array_index (w->events, i), name))
      return TRUE;
  return FALSE;
}

static HgQemuFixture *
start_qemu (const char * const *extra)
{
  g_autoptr(GError) error = NULL;
  HgQemuFixture *fixture = hg_qemu_fixture_start (extra, &error);

  if (fixture == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      hg_test_skip_or_fail (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return fixture;
}

static HgQmpClient *
connect_qemu (HgQemuFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  HgQmpClient *client = hg_qemu_fixture_connect (fixture, WAIT_MS, &error);

  g_assert_no_error (error);
  g_assert_true (hg_qmp_client_is_connected (client));
  return client;
}

static void
assert_status (HgQmpClient *client, gboolean expect_running, const char *expect_status)
{
  g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_query_status_async (client, NULL, store_result_cb, &r_));
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  gboolean running = !expect_running;

  g_assert_true (hg_qmp_query_status_finish (client, r, &running, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (running, ==, expect_running);
  g_assert_cmpstr (status, ==, expect_status);
}

static void
simple_ok (HgQmpClient *client, GAsyncResult *r)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hg_qmp_simple_finish (client, r, &error));
  g_assert_no_error (error);
  g_object_unref (r);
}

static char *
hmp (HgQmpClient *client, const char *line)
{
  g_autoptr(GAsyncResult) r =
    AWAIT (hg_qmp_human_monitor_command_async (client, line, NULL, store_result_cb, &r_));
  g_autoptr(GError) error = NULL;
  char *text = hg_qmp_human_monitor_command_finish (client, r, &error);

  g_assert_no_error (error);
  return text;
}

static void
test_lifecycle (void)
{
  const char * const extra[] = { "-name", "hangar-qmp-test", "-uuid", TEST_UUID,
                                 "-vga", "std", NULL };
  g_autoptr(HgQemuFixture) qemu = start_qemu (extra);
  g_autoptr(HgQmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint major = 0;
  Watch w;

  if (qemu == NULL)
    return;
  client = connect_qemu (qemu);
  watch_init (&w, client);

  g_assert_true (hg_qmp_client_get_qemu_version (client, &major, NULL, NULL));
  g_assert_cmpuint (major, >=, 7);

  /* -S: paused before the first instruction */
  assert_status (client, FALSE, "prelaunch");

  simple_ok (client, AWAIT (hg_qmp_cont_async (client, NULL, store_result_cb, &r_)));
  WAIT_UNTIL (saw_event (&w, "RESUME"));
  assert_status (client, TRUE, "running");

  simple_ok (client, AWAIT (hg_qmp_stop_async (client, NULL, store_result_cb, &r_)));
  WAIT_UNTIL (saw_event (&w, "STOP"));
  assert_status (client, FALSE, "paused");

  /* identity, as used for the reattach check */
  {
    g_autoptr(GAsyncResult) rn = AWAIT (hg_qmp_query_name_async (client, NULL, store_result_cb, &r_));
    g_autoptr(GAsyncResult) ru = AWAIT (hg_qmp_query_uuid_async (client, NULL, store_result_cb, &r_));
    g_autofree char *name = NULL;
    g_autofree char *uuid = NULL;

    g_assert_true (hg_qmp_query_name_finish (client, rn, &name, &error));
    g_assert_cmpstr (name, ==, "hangar-qmp-test");
    uuid = hg_qmp_query_uuid_finish (client, ru, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (uuid, ==, TEST_UUID);
  }

  /* HMP passthrough */
  {
    g_autofree char *version = hmp (client, "info version");

    g_assert_true (g_ascii_isdigit (version[0]));
    g_assert_nonnull (strstr (version, "."));
  }
  {
    g_autoptr(GAsyncResult) r =
      AWAIT (hg_qmp_human_monitor_command_async (client, "info\nquit", NULL, store_result_cb, &r_));
    g_autofree char *text = hg_qmp_human_monitor_command_finish (client, r, &error);

    g_assert_null (text);
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* a QMP error from QEMU comes back with its class and text */
  {
    g_autoptr(GAsyncResult) r =
      AWAIT (hg_qmp_client_execute_async (client, "no-such-command", NULL, NULL, store_result_cb, &r_));
    g_autoptr(JsonNode) ret = hg_qmp_client_execute_finish (client, r, &error);

    g_assert_null (ret);
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_COMMAND_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "no-such-command"));
    g_clear_error (&error);
  }

  /* no disk that can take snapshots: savevm says so clearly */
  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_savevm_async (client, "nope", NULL, store_result_cb, &r_));

    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP);
    g_test_message ("savevm without a disk: %s", error->message);
    g_clear_error (&error);
  }

  /* screendump: a PNG file, written by QEMU */
  {
    g_autofree char *path = hg_qemu_fixture_path (qemu, "screen.png");
    g_autoptr(GAsyncResult) r =
      AWAIT (hg_qmp_screendump_async (client, path, NULL, NULL, store_result_cb, &r_));
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true (hg_qmp_screendump_finish (client, r, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &contents, &len, &error));
    g_assert_cmpuint (len, >, 16);
    g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  }
  {
    g_autoptr(GAsyncResult) r =
      AWAIT (hg_qmp_screendump_async (client, "relative.png", NULL, NULL, store_result_cb, &r_));

    g_assert_false (hg_qmp_screendump_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* send-key */
  {
    g_auto(GStrv) keys = hg_qmp_parse_key_combo ("ctrl-alt-f2", &error);

    g_assert_no_error (error);
    simple_ok (client, AWAIT (hg_qmp_send_key_async (client, (const char * const *) keys, 10,
                                                     NULL, store_result_cb, &r_)));
  }

  /* system_reset and RESET */
  simple_ok (client, AWAIT (hg_qmp_system_reset_async (client, NULL, store_result_cb, &r_)));
  WAIT_UNTIL (saw_event (&w, "RESET"));

  /* quit: SHUTDOWN, then the connection ends and QEMU exits 0 */
  simple_ok (client, AWAIT (hg_qmp_quit_async (client, NULL, store_result_cb, &r_)));
  WAIT_UNTIL (w.n_disconnected == 1);
  g_assert_true (saw_event (&w, "SHUTDOWN"));
  g_assert_nonnull (w.shutdown_data);
  g_assert_cmpstr (json_object_get_string_member (w.shutdown_data, "reason"), ==, "host-qmp-quit");
  g_assert_error (w.error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  g_assert_true (hg_qemu_fixture_wait_exit (qemu, WAIT_MS));
  g_assert_true (g_subprocess_get_if_exited (qemu->process));
  g_assert_cmpint (g_subprocess_get_exit_status (qemu->process), ==, 0);

  /* and a command after that fails cleanly */
  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_stop_async (client, NULL, store_result_cb, &r_));

    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  }
  g_assert_cmpuint (w.n_disconnected, ==, 1);
  watch_clear (&w);
}

static void
test_killed (void)
{
  g_autoptr(HgQemuFixture) qemu = start_qemu (NULL);
  g_autoptr(HgQmpClient) client = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  Watch w;

  if (qemu == NULL)
    return;
  client = connect_qemu (qemu);
  watch_init (&w, client);

  /* issue a command and kill QEMU before the main loop runs again */
  hg_qmp_query_status_async (client, NULL, store_result_cb, &r);
  g_subprocess_force_exit (qemu->process);
  WAIT_UNTIL (r != NULL && w.n_disconnected == 1);
  /* the reply may have raced the kill; if not, it failed cleanly */
  if (!hg_qmp_query_status_finish (client, r, NULL, NULL, &error))
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  g_assert_error (w.error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED);
  g_assert_false (hg_qmp_client_is_connected (client));
  g_assert_true (hg_qemu_fixture_wait_exit (qemu, WAIT_MS));
  watch_clear (&w);
}

static GPtrArray *
query_block (HgQmpClient *client)
{
  g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_query_block_async (client, NULL, store_result_cb, &r_));
  g_autoptr(GError) error = NULL;
  GPtrArray *list = hg_qmp_query_block_finish (client, r, &error);

  g_assert_no_error (error);
  return list;
}

static const HgQmpBlockInfo *
find_drive (GPtrArray *list, const char *qdev)
{
  for (guint i = 0; i < list->len; i++)
    {
      const HgQmpBlockInfo *info = g_ptr_array_index (list, i);

      if (g_strcmp0 (info->qdev, qdev) == 0)
        return info;
    }
  g_error ("no drive with qdev id %s in query-block", qdev);
}

static void
test_media (void)
{
  const char * const extra[] = { "-drive", "if=none,id=cd0,media=cdrom",
                                 "-device", "ide-cd,drive=cd0,id=cdrom0", NULL };
  g_autoptr(HgQemuFixture) qemu = start_qemu (extra);
  g_autoptr(HgQmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = NULL;
  Watch w;

  if (qemu == NULL)
    return;
  client = connect_qemu (qemu);
  watch_init (&w, client);

  /* an empty CD drive */
  {
    g_autoptr(GPtrArray) list = query_block (client);
    const HgQmpBlockInfo *cd = find_drive (list, "cdrom0");

    g_assert_cmpstr (cd->device, ==, "cd0");
    g_assert_true (cd->removable);
    g_assert_false (cd->has_media);
    g_assert_null (cd->file);
  }

  /* the manual's DVD swap: put a medium in */
  iso = hg_qemu_fixture_path (qemu, "disc.iso");
  {
    g_autofree char *zeros = g_malloc0 (64 * 1024);

    g_assert_true (g_file_set_contents (iso, zeros, 64 * 1024, &error));
  }
  simple_ok (client, AWAIT (hg_qmp_change_medium_async (client, NULL, "cdrom0", iso, "raw",
                                                        FALSE, NULL, store_result_cb, &r_)));
  {
    g_autoptr(GPtrArray) list = query_block (client);
    const HgQmpBlockInfo *cd = find_drive (list, "cdrom0");

    g_assert_true (cd->has_media);
    g_assert_cmpstr (cd->file, ==, iso);
    g_assert_cmpstr (cd->format, ==, "raw");
    g_assert_true (cd->read_only);
    g_assert_false (cd->tray_open);
  }
  g_assert_cmpuint (w.tray->len, >=, 1);

  /* eject by legacy device name */
  simple_ok (client, AWAIT (hg_qmp_eject_async (client, "cd0", NULL, FALSE, NULL,
                                                store_result_cb, &r_)));
  {
    g_autoptr(GPtrArray) list = query_block (client);
    const HgQmpBlockInfo *cd = find_drive (list, "cdrom0");

    g_assert_false (cd->has_media);
    g_assert_true (cd->tray_open);
  }
  WAIT_UNTIL (w.tray->len >= 2 &&
              g_str_equal (g_ptr_array_index (w.tray, w.tray->len - 1), "open"));

  /* a drive that does not exist */
  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_eject_async (client, NULL, "nosuchdrive", FALSE, NULL,
                                                           store_result_cb, &r_));

    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_true (error->domain == HG_QMP_ERROR);
    g_assert_true (error->code == HG_QMP_ERROR_DEVICE_NOT_FOUND || error->code == HG_QMP_ERROR_GENERIC);
    g_assert_nonnull (strstr (error->message, "nosuchdrive"));
    g_clear_error (&error);
  }
  /* a missing image file */
  {
    g_autofree char *missing = hg_qemu_fixture_path (qemu, "missing.iso");
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_change_medium_async (client, NULL, "cdrom0", missing, "raw",
                                                                   FALSE, NULL, store_result_cb, &r_));

    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC);
    g_assert_nonnull (strstr (error->message, "missing.iso"));
    g_clear_error (&error);
  }
  watch_clear (&w);
}

static void
test_snapshots (void)
{
  g_autoptr(HgQemuFixture) qemu = NULL;
  g_autoptr(HgQmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *drive = NULL;
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");

  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }

  /* the disk goes into its own temporary directory, created before QEMU */
  {
    g_autofree char *tmp = g_dir_make_tmp ("hangar-qmp-disk-XXXXXX", &error);
    g_autoptr(GSubprocess) img = NULL;

    g_assert_no_error (error);
    disk = g_build_filename (tmp, "disk.qcow2", NULL);
    img = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                            qemu_img, "create", "-q", "-f", "qcow2", disk, "8M", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (img, NULL, &error));
    g_assert_no_error (error);
  }
  drive = g_strdup_printf ("file=%s,if=none,id=d0,format=qcow2", disk);
  {
    const char * const extra[] = { "-drive", drive, "-device", "virtio-blk-pci,drive=d0,id=disk0", NULL };

    qemu = start_qemu (extra);
  }
  if (qemu == NULL)
    goto out;
  client = connect_qemu (qemu);

  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_query_snapshots_async (client, NULL, store_result_cb, &r_));
    g_autoptr(GPtrArray) list = hg_qmp_query_snapshots_finish (client, r, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 0);
  }

  simple_ok (client, AWAIT (hg_qmp_savevm_async (client, "first-boot", NULL, store_result_cb, &r_)));
  simple_ok (client, AWAIT (hg_qmp_savevm_async (client, "second", NULL, store_result_cb, &r_)));
  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_query_snapshots_async (client, NULL, store_result_cb, &r_));
    g_autoptr(GPtrArray) list = hg_qmp_query_snapshots_finish (client, r, &error);
    HgQmpSnapshot *s;

    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 2);
    s = g_ptr_array_index (list, 0);
    g_assert_cmpstr (s->tag, ==, "first-boot");
    g_assert_nonnull (s->date);
    g_assert_nonnull (s->vm_clock);
    s = g_ptr_array_index (list, 1);
    g_assert_cmpstr (s->tag, ==, "second");
  }

  simple_ok (client, AWAIT (hg_qmp_loadvm_async (client, "first-boot", NULL, store_result_cb, &r_)));
  simple_ok (client, AWAIT (hg_qmp_delvm_async (client, "first-boot", NULL, store_result_cb, &r_)));

  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_loadvm_async (client, "first-boot", NULL, store_result_cb, &r_));

    g_assert_false (hg_qmp_simple_finish (client, r, &error));
    g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP);
    g_assert_nonnull (strstr (error->message, "first-boot"));
    g_test_message ("loadvm of a deleted snapshot: %s", error->message);
    g_clear_error (&error);
  }
  {
    g_autoptr(GAsyncResult) r = AWAIT (hg_qmp_query_snapshots_async (client, NULL, store_result_cb, &r_));
    g_autoptr(GPtrArray) list = hg_qmp_query_snapshots_finish (client, r, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 1);
    g_assert_cmpstr (((HgQmpSnapshot *) g_ptr_array_index (list, 0))->tag, ==, "second");
  }

out:
  g_clear_object (&client);
  g_clear_pointer (&qemu, hg_qemu_fixture_free);
  if (disk != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (disk);

      g_unlink (disk);
      g_rmdir (dir);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/qmp-qemu/lifecycle", test_lifecycle);
  g_test_add_func ("/hangar/qmp-qemu/killed", test_killed);
  g_test_add_func ("/hangar/qmp-qemu/media", test_media);
  g_test_add_func ("/hangar/qmp-qemu/snapshots", test_snapshots);

  return g_test_run ();
}
