/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-bench"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hg-qemu-fixture.h"
#include "hg-qmp-client.h"
#include "hg-qmp-commands.h"

/*
 * qmp-roundtrip: the latency of one QMP command through HgQmpClient.
 *
 * Starts a real QEMU (TCG, -S) with two QMP sockets.  On one, HgQmpClient
 * runs N query-status commands one after the other, each awaited in the
 * main loop; on the other, a plain blocking write()/read() loop does the
 * same N round trips (the floor: QEMU's own time plus the socket), the two
 * interleaved (one of each per round, the order swapped each round).  Prints
 * median and p99 of both and their ratio.  Target: client median < 1 ms.
 *
 *   qmp-roundtrip [N]        (default 1000)
 */

#define WARMUP 50

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (double *samples, guint n, double p)
{
  guint idx;

  qsort (samples, n, sizeof *samples, cmp_double);
  idx = (guint) (p * (n - 1) + 0.5);
  return samples[MIN (idx, n - 1)];
}

typedef struct {
  GAsyncResult *result;
} Await;

static gboolean
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
store_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ((Await *) user_data)->result = g_object_ref (result);
}

static gboolean
client_roundtrip (HgQmpClient *client, GError **error)
{
  Await a = { NULL };
  gboolean ok;
  gboolean running;

  hg_qmp_query_status_async (client, NULL, store_cb, &a);
  while (a.result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);    /* bounded by command-timeout */
  ok = hg_qmp_query_status_finish (client, a.result, &running, NULL, error);
  g_object_unref (a.result);
  return ok;
}

/* ---- the raw baseline -------------------------------------------------- */

typedef struct {
  int     fd;
  char    buf[65536];
  gsize   len;
} Raw;

static gboolean
raw_read_line (Raw *raw, GError **error)
{
  while (TRUE)
    {
      char *nl = memchr (raw->buf, '\n', raw->len);
      ssize_t n;

      if (nl != NULL)
        {
          gsize used = nl - raw->buf + 1;

          memmove (raw->buf, raw->buf + used, raw->len - used);
          raw->len -= used;
          return TRUE;
        }
      if (raw->len == sizeof raw->buf)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "line too long");
          return FALSE;
        }
      n = read (raw->fd, raw->buf + raw->len, sizeof raw->buf - raw->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "raw read: %s",
                       n == 0 ? "EOF" : g_strerror (errno));
          return FALSE;
        }
      raw->len += n;
    }
}

static gboolean
raw_write (Raw *raw, const char *line, GError **error)
{
  gsize len = strlen (line), off = 0;

  while (off < len)
    {
      ssize_t n = send (raw->fd, line + off, len - off, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "raw write: %s", g_strerror (errno));
          return FALSE;
        }
      off += n;
    }
  return TRUE;
}

/* Connects with the same retry-until-deadline as the fixture: QEMU creates
 * the second socket right after the first, so this rarely loops. */
static gboolean
raw_connect (Raw *raw, const char *path, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s: path too long", path);
      return FALSE;
    }
  strcpy (addr.sun_path, path);

  while (TRUE)
    {
      raw->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (raw->fd < 0)
        break;
      if (connect (raw->fd, (struct sockaddr *) &addr, sizeof addr) == 0)
        {
          /* greeting, then capabilities */
          return raw_read_line (raw, error) &&
                 raw_write (raw, "{\"execute\":\"qmp_capabilities\"}\n", error) &&
                 raw_read_line (raw, error);
        }
      close (raw->fd);
      raw->fd = -1;
      if (g_get_monotonic_time () > deadline)
        break;
      /* not there yet: wait for it with the main loop, then try again */
      {
        g_autoptr(GSource) retry = g_timeout_source_new (20);
        gboolean fired = FALSE;

        g_source_set_callback (retry, set_true, &fired, NULL);
        g_source_attach (retry, g_main_context_get_thread_default ());
        while (!fired)
          g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
      }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to %s: %s",
               path, g_strerror (errno));
  return FALSE;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgQemuFixture) qemu = NULL;
  g_autoptr(HgQmpClient) client = NULL;
  g_autofree char *raw_path = NULL;
  g_autofree char *raw_arg = NULL;
  g_autofree double *client_us = NULL;
  g_autofree double *raw_us = NULL;
  double c_median, c_p99, r_median, r_p99;
  guint major = 0, minor = 0, micro = 0;
  guint n = 1000;
  Raw raw = { .fd = -1 };

  if (argc > 1)
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (argv[1], 10, 10, 1000000, &v, &error))
        {
          g_printerr ("qmp-roundtrip: bad count “%s”: %s\n", argv[1], error->message);
          return 2;
        }
      n = (guint) v;
    }

  {
    g_autofree char *dir = g_dir_make_tmp ("hangar-bench-XXXXXX", &error);

    if (dir == NULL)
      {
        g_printerr ("qmp-roundtrip: %s\n", error->message);
        return 1;
      }
    raw_path = g_build_filename (dir, "raw.sock", NULL);
    raw_arg = g_strdup_printf ("unix:%s,server=on,wait=off", raw_path);
  }
  {
    const char * const extra[] = { "-qmp", raw_arg, NULL };

    qemu = hg_qemu_fixture_start (extra, &error);
  }
  if (qemu == NULL)
    {
      g_printerr ("qmp-roundtrip: %s\n", error->message);
      return 1;
    }

  client = hg_qemu_fixture_connect (qemu, 10000, &error);
  if (client == NULL)
    {
      g_printerr ("qmp-roundtrip: %s\n", error->message);
      return 1;
    }
  hg_qmp_client_get_qemu_version (client, &major, &minor, &micro);

  client_us = g_new (double, n);
  raw_us = g_new (double, n);

  if (!raw_connect (&raw, raw_path, &error))
    {
      g_printerr ("qmp-roundtrip: %s\n", error->message);
      return 1;
    }
  /* interleaved, one of each per round and the order swapped every round,
   * so that a slow spell of the machine hits both alike */
  for (guint i = 0; i < WARMUP + n; i++)
    for (guint k = 0; k < 2; k++)
      {
        gboolean via_client = (k == 0) == (i % 2 == 0);
        gint64 t0 = g_get_monotonic_time ();
        double us;

        if (via_client && !client_roundtrip (client, &error))
          {
            g_printerr ("qmp-roundtrip: query-status failed: %s\n", error->message);
            return 1;
          }
        if (!via_client &&
            (!raw_write (&raw, "{\"execute\":\"query-status\"}\n", &error) ||
             !raw_read_line (&raw, &error)))
          {
            g_printerr ("qmp-roundtrip: %s\n", error->message);
            return 1;
          }
        us = (double) (g_get_monotonic_time () - t0);
        if (i >= WARMUP)
          (via_client ? client_us : raw_us)[i - WARMUP] = us;
      }
  close (raw.fd);

  c_median = percentile (client_us, n, 0.5);
  c_p99 = percentile (client_us, n, 0.99);
  r_median = percentile (raw_us, n, 0.5);
  r_p99 = percentile (raw_us, n, 0.99);

  g_print ("qmp-roundtrip: %u query-status round trips each, interleaved, QEMU %u.%u.%u (TCG, -S)\n",
           n, major, minor, micro);
  g_print ("  HgQmpClient (async, main loop)  median %8.1f us   p99 %8.1f us\n", c_median, c_p99);
  g_print ("  raw write/read (blocking)       median %8.1f us   p99 %8.1f us\n", r_median, r_p99);
  g_print ("  ratio client/raw                median %8.2f      p99 %8.2f\n",
           c_median / r_median, c_p99 / r_p99);
  g_print ("  target median < 1000 us: %s\n", c_median < 1000.0 ? "met" : "MISSED");

  /* polite exit: quit, then the fixture reaps QEMU */
  {
    Await a = { NULL };

    hg_qmp_quit_async (client, NULL, store_cb, &a);
    while (a.result == NULL)
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    hg_qmp_simple_finish (client, a.result, NULL);
    g_object_unref (a.result);
    hg_qemu_fixture_wait_exit (qemu, 10000);
  }
  {
    g_autofree char *dir = g_path_get_dirname (raw_path);

    unlink (raw_path);
    rmdir (dir);
  }

  /* a missed target is a failure */
  return c_median < 1000.0 ? 0 : 1;
}
