/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-disk"
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-disk-image.h"
#include "hg-disk-image-private.h"
#include "hg-vm-config.h"
#include "hg-spawn.h"

G_DEFINE_QUARK (hg-disk-image-error-quark, hg_disk_image_error)

#define COPY_BLOCK (4 * 1024 * 1024)

const char *
hg_image_mode_to_string (HgImageMode mode)
{
  return hg_enum_to_nick (HG_TYPE_IMAGE_MODE, (int) mode);
}

gboolean
hg_image_mode_from_string (const char  *str,
                           HgImageMode *out)
{
  int value;

  if (!hg_enum_from_nick (HG_TYPE_IMAGE_MODE, str, &value))
    return FALSE;
  *out = (HgImageMode) value;
  return TRUE;
}

/* ---- info ----------------------------------------------------------------- */

void
hg_disk_image_layer_free (HgDiskImageLayer *layer)
{
  g_free (layer->filename);
  g_free (layer->format);
  g_free (layer->backing_filename);
  g_free (layer->backing_format);
  g_free (layer);
}

void
hg_disk_image_info_free (HgDiskImageInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->layers, g_ptr_array_unref);
  g_free (info);
}

char *
hg_disk_image_find_qemu_img (void)
{
  const char *dir = g_getenv ("HANGAR_QEMU_DIR");

  if (dir != NULL && dir[0] != '\0')
    {
      g_autofree char *path = g_build_filename (dir, "qemu-img", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("qemu-img");
}

char *
_hg_disk_image_no_tool (GError **error)
{
  char *qemu_img = hg_disk_image_find_qemu_img ();

  if (qemu_img == NULL)
    g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NO_TOOL,
                 _("qemu-img is not installed (Debian package qemu-utils)"));
  return qemu_img;
}

static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static guint64
member_uint (JsonObject *obj,
             const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return (guint64) MAX (json_node_get_int (node), 0);
}

static HgDiskImageLayer *
layer_from_object (JsonObject  *obj,
                   GError     **error)
{
  HgDiskImageLayer *layer;
  const char *format = member_string (obj, "format");
  const char *filename = member_string (obj, "filename");
  JsonNode *enc;

  if (format == NULL || filename == NULL)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                   _("qemu-img info did not name the image's file and format"));
      return NULL;
    }
  layer = g_new0 (HgDiskImageLayer, 1);
  layer->filename = g_strdup (filename);
  layer->format = g_strdup (format);
  layer->virtual_size = member_uint (obj, "virtual-size");
  layer->actual_size = member_uint (obj, "actual-size");
  layer->backing_filename = g_strdup (member_string (obj, "backing-filename"));
  layer->backing_format = g_strdup (member_string (obj, "backing-filename-format"));
  enc = json_object_get_member (obj, "encrypted");
  layer->encrypted = enc != NULL && JSON_NODE_HOLDS_VALUE (enc) &&
                     json_node_get_value_type (enc) == G_TYPE_BOOLEAN &&
                     json_node_get_boolean (enc);
  return layer;
}

HgDiskImageInfo *
hg_disk_image_info_parse (const char  *json,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(HgDiskImageInfo) info = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, json, -1, &local))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                   _("qemu-img info printed no valid JSON: %s"), local->message);
      return NULL;
    }
  info = g_new0 (HgDiskImageInfo, 1);
  info->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_image_layer_free);
  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      HgDiskImageLayer *layer = layer_from_object (json_node_get_object (root), error);
      if (layer == NULL)
        return NULL;
      g_ptr_array_add (info->layers, layer);
    }
  else if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          HgDiskImageLayer *layer;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                           _("qemu-img info printed an unexpected JSON document"));
              return NULL;
            }
          layer = layer_from_object (json_node_get_object (node), error);
          if (layer == NULL)
            return NULL;
          g_ptr_array_add (info->layers, layer);
        }
    }
  if (info->layers->len == 0)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID,
                   _("qemu-img info printed an unexpected JSON document"));
      return NULL;
    }
  return g_steal_pointer (&info);
}

/* ---- progress ------------------------------------------------------------- */

typedef struct {
  HgDiskImageProgress func;
  gpointer            data;
  GMainContext       *context;   /* the thread-default one of the _async call */
  GTask              *task;      /* not a reference: the Progress is the task's */
  double              last;
} Progress;

typedef struct {
  GTask    *task;                /* a reference: it keeps progress alive */
  Progress *progress;
  double    fraction;
} ProgressCall;

static void
progress_call_free (ProgressCall *call)
{
  g_object_unref (call->task);
  g_free (call);
}

/* Never after the task's callback: the caller's progress data may be gone */
static gboolean
progress_call (gpointer user_data)
{
  ProgressCall *call = user_data;

  if (!g_task_get_completed (call->task))
    call->progress->func (call->fraction, call->progress->data);
  return G_SOURCE_REMOVE;
}

/* From any thread, at most every 0.5 %.  The callback runs in the context
 * of the _async call, in the thread that runs that context: at once when
 * that is this thread, else from an idle there.  Never in a worker (not
 * through g_main_context_invoke(), which runs a function in the calling
 * thread when it can acquire the context: for the global default context,
 * GTK's, that would be a worker thread touching widgets). */
static void
progress_report (Progress *p,
                 double    fraction)
{
  ProgressCall *call;
  GSource *source;

  if (p->func == NULL)
    return;
  if (fraction >= 0 && fraction < 1.0 && p->last >= 0 && fraction - p->last < 0.005)
    return;
  p->last = fraction;
  if (g_main_context_is_owner (p->context))
    {
      p->func (fraction, p->data);
      return;
    }
  call = g_new (ProgressCall, 1);
  call->task = g_object_ref (p->task);
  call->progress = p;
  call->fraction = fraction;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, progress_call, call, (GDestroyNotify) progress_call_free);
  g_source_set_static_name (source, "[hangar] disk image progress");
  g_source_attach (source, p->context);
  g_source_unref (source);
}

static void
progress_init (Progress            *p,
               GTask               *task,
               HgDiskImageProgress  func,
               gpointer             data)
{
  p->func = func;
  p->data = data;
  p->context = g_main_context_ref_thread_default ();
  p->task = task;
  p->last = -1;
}

/* ---- create --------------------------------------------------------------- */

typedef struct {
  char *dest;
  gboolean made;    /* dest was created by us: remove on failure */
  Progress progress;
  GSubprocess *proc;
  GString *output;
  guint8 buffer[4096];
  GCancellable *cancellable;
  gulong cancel_id;
} Job;

static void
job_free (Job *job)
{
  if (job->cancel_id != 0)
    g_cancellable_disconnect (job->cancellable, job->cancel_id);
  g_clear_object (&job->cancellable);
  g_clear_object (&job->proc);
  if (job->output != NULL)
    g_string_free (job->output, TRUE);
  g_clear_pointer (&job->progress.context, g_main_context_unref);
  g_free (job->dest);
  g_free (job);
}

static Job *
job_new (GTask               *task,
         const char          *dest,
         HgDiskImageProgress  progress,
         gpointer             progress_data,
         GCancellable        *cancellable)
{
  Job *job = g_new0 (Job, 1);

  job->dest = g_strdup (dest);
  progress_init (&job->progress, task, progress, progress_data);
  job->output = g_string_new (NULL);
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  return job;
}

static void
job_fail (GTask  *task,
          GError *error)
{
  Job *job = g_task_get_task_data (task);

  if (job->made)
    g_unlink (job->dest);
  g_task_return_error (task, error);
}

/* The cancellable kills the tool at once */
static void
job_cancelled (GCancellable *cancellable,
               gpointer      user_data)
{
  Job *job = user_data;

  if (job->proc != NULL)
    g_subprocess_force_exit (job->proc);
}

static gboolean
dest_is_free (const char  *dest,
              GError     **error)
{
  if (g_file_test (dest, G_FILE_TEST_EXISTS) || g_file_test (dest, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("%s exists already"), dest);
      return FALSE;
    }
  return TRUE;
}

static void
tool_waited (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, &error))
    {
      job_fail (task, g_steal_pointer (&error));
      return;
    }
  if (g_cancellable_is_cancelled (job->cancellable))
    {
      job_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return;
    }
  if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = g_strsplit_set (job->output->str, "\r\n", -1);
      g_autoptr(GString) message = g_string_new (NULL);

      /* the tool's own words, without its progress lines */
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_strstrip (lines[i]);
          if (lines[i][0] == '\0' || lines[i][0] == '(')
            continue;
          if (message->len > 0)
            g_string_append (message, "; ");
          g_string_append (message, lines[i]);
        }
      job_fail (task, g_error_new (HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_FAILED,
                                   _("qemu-img failed for %s: %s"), job->dest,
                                   message->len > 0 ? message->str : _("no reason given")));
      return;
    }
  progress_report (&job->progress, 1.0);
  g_task_return_boolean (task, TRUE);
}

/* The last "(12.34/100%)" in what qemu-img printed */
static void
parse_convert_progress (Job *job)
{
  const char *s = job->output->str;
  const char *p = s + job->output->len;

  while (p > s)
    {
      p--;
      if (*p == '(')
        {
          char *end = NULL;
          double v = g_ascii_strtod (p + 1, &end);

          if (end != NULL && g_str_has_prefix (end, "/100%)"))
            {
              progress_report (&job->progress, CLAMP (v / 100.0, 0.0, 1.0));
              return;
            }
        }
    }
}

static void
output_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Job *job = g_task_get_task_data (task);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0)
    {
      g_string_append_len (job->output, (const char *) job->buffer, n);
      parse_convert_progress (job);
      /* keep only the tail: progress lines repeat for hours */
      if (job->output->len > 16384)
        g_string_erase (job->output, 0, job->output->len - 8192);
      g_input_stream_read_async (G_INPUT_STREAM (source), job->buffer, sizeof job->buffer,
                                 G_PRIORITY_DEFAULT, NULL, output_read, g_steal_pointer (&task));
      return;
    }
  /* EOF (or error): the exit status decides */
  g_subprocess_wait_async (job->proc, NULL, tool_waited, g_steal_pointer (&task));
}

static void
run_tool_async (GTask              *task,
                const char * const *argv)
{
  Job *job = g_task_get_task_data (task);
  GError *error = NULL;
  int fd;

  /* made here, 0600 and never through a symlink: qemu-img writes into it
   * and keeps the mode, so no other user can read the disk at any time */
  fd = open (job->dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s",
                               job->dest, g_strerror (errsv));
      g_object_unref (task);
      return;
    }
  close (fd);
  job->made = TRUE;
  job->proc = hg_spawn_work (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                   G_SUBPROCESS_FLAGS_STDERR_MERGE |
                                   G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  if (job->proc == NULL)
    {
      job_fail (task, error);
      g_object_unref (task);
      return;
    }
  if (job->cancellable != NULL)
    job->cancel_id = g_cancellable_connect (job->cancellable, G_CALLBACK (job_cancelled), job, NULL);
  g_input_stream_read_async (g_subprocess_get_stdout_pipe (job->proc), job->buffer,
                             sizeof job->buffer, G_PRIORITY_DEFAULT, NULL, output_read, task);
}

void
hg_disk_image_create_async (const char          *path,
                            guint64              bytes,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  hg_disk_image_create_full_async (path, "qcow2", bytes, cancellable, callback, user_data);
}

void
hg_disk_image_create_full_async (const char          *path,
                                 const char          *format,
                                 guint64              bytes,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *qemu_img = NULL;
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  GError *error = NULL;

  /* one tag for both: hg_disk_image_create_finish() takes either */
  g_task_set_source_tag (task, hg_disk_image_create_async);
  g_task_set_task_data (task, job_new (task, path, NULL, NULL, cancellable), (GDestroyNotify) job_free);
  if ((qemu_img = _hg_disk_image_no_tool (&error)) == NULL || !dest_is_free (path, &error) ||
      g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (format == NULL || !hg_disk_format_is_known (format))
    {
      g_task_return_new_error (task, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                               _("%s: the image format “%s” is not one Hangar uses"), path,
                               format != NULL ? format : "?");
      g_object_unref (task);
      return;
    }
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", format, path, size, NULL };
    run_tool_async (task, argv);
  }
}

gboolean
hg_disk_image_create_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hg_disk_image_convert_async (const char          *src,
                             const char          *src_format,
                             const char          *dest,
                             HgDiskImageProgress  progress,
                             gpointer             progress_data,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  hg_disk_image_convert_full_async (src, src_format, dest, "qcow2", FALSE, progress,
                                    progress_data, cancellable, callback, user_data);
}

void
hg_disk_image_convert_full_async (const char          *src,
                                  const char          *src_format,
                                  const char          *dest,
                                  const char          *dest_format,
                                  gboolean             compress,
                                  HgDiskImageProgress  progress,
                                  gpointer             progress_data,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *qemu_img = NULL;
  GError *error = NULL;

  /* one tag for both: hg_disk_image_convert_finish() takes either */
  g_task_set_source_tag (task, hg_disk_image_convert_async);
  g_task_set_task_data (task, job_new (task, dest, progress, progress_data, cancellable),
                        (GDestroyNotify) job_free);
  if ((qemu_img = _hg_disk_image_no_tool (&error)) == NULL || !dest_is_free (dest, &error) ||
      g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (src_format == NULL || !hg_disk_format_is_known (src_format) ||
      dest_format == NULL || !hg_disk_format_is_known (dest_format))
    {
      gboolean bad_src = src_format == NULL || !hg_disk_format_is_known (src_format);
      const char *bad = bad_src ? src_format : dest_format;

      g_task_return_new_error (task, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,
                               _("%s: the image format “%s” is not one Hangar uses"),
                               bad_src ? src : dest, bad != NULL ? bad : "?");
      g_object_unref (task);
      return;
    }
  if (compress && !g_str_equal (dest_format, "qcow2"))
    {
      g_task_return_new_error (task, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_FAILED,
                               _("%s: only a qcow2 image can be compressed, not %s"), dest,
                               dest_format);
      g_object_unref (task);
      return;
    }
  progress_report (&((Job *) g_task_get_task_data (task))->progress, 0.0);
  {
    const char *argv[] = { qemu_img, "convert", "-p", "-f", src_format, "-O", dest_format,
                           "-c", src, dest, NULL };

    if (!compress)
      memmove (&argv[7], &argv[8], 3 * sizeof argv[0]);   /* without -c */
    run_tool_async (task, argv);
  }
}

gboolean
hg_disk_image_convert_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- copy ----------------------------------------------------------------- */

typedef struct {
  char *src;
  Progress progress;
} CopyData;

static void
copy_data_free (CopyData *data)
{
  g_clear_pointer (&data->progress.context, g_main_context_unref);
  g_free (data->src);
  g_free (data);
}

static gboolean
all_zero (const guint8 *p,
          gsize         n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

static void
copy_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  CopyData *data = g_object_get_data (G_OBJECT (task), "copy");
  g_autofree guint8 *buf = NULL;
  struct stat st;
  guint64 done = 0;
  int in = -1, out = -1;
  GError *error = NULL;

  (void) source;
  /* the file named, never what a symlink in its place points to, and no
   * FIFO or device (O_NONBLOCK: opening a FIFO does not wait) */
  in = open (data->src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (in < 0 || fstat (in, &st) != 0)
    {
      int errsv = errno;
      error = g_error_new (HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE, "%s: %s",
                           data->src, errsv == ELOOP ? _("is a symbolic link; not followed")
                                                     : g_strerror (errsv));
      goto out;
    }
  if (!S_ISREG (st.st_mode))
    {
      error = g_error_new (HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE, "%s: %s",
                           data->src, _("not a regular file"));
      goto out;
    }
  /* a disk is private to its owner, whatever the source's mode was */
  out = open (job->dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0)
    {
      int errsv = errno;
      error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", job->dest,
                           g_strerror (errsv));
      goto out;
    }
  job->made = TRUE;
  buf = g_malloc (COPY_BLOCK);
  while (done < (guint64) st.st_size)
    {
      off_t data_at, hole_at;
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        goto out;
      /* skip the holes: only the data extents are read (a filesystem
       * without SEEK_DATA reports the whole file as data) */
      data_at = lseek (in, (off_t) done, SEEK_DATA);
      if (data_at < 0 && errno == ENXIO)
        break;   /* a hole up to the end */
      if (data_at < 0)
        data_at = (off_t) done;
      hole_at = lseek (in, data_at, SEEK_HOLE);
      if (hole_at < 0)
        hole_at = st.st_size;
      if ((guint64) data_at > done)
        {
          done = (guint64) data_at;
          progress_report (&data->progress, (double) done / (double) st.st_size);
          continue;
        }
      n = pread (in, buf, MIN ((guint64) COPY_BLOCK, (guint64) (hole_at - data_at)), data_at);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = errno;
          error = g_error_new (HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE, "%s: %s",
                               data->src, n == 0 ? _("file shrank while copying")
                                                 : g_strerror (errsv));
          goto out;
        }
      /* a block of zeroes in a data extent stays a hole too */
      if (!all_zero (buf, n))
        {
          gssize w = 0;

          while (w < n)
            {
              gssize k = pwrite (out, buf + w, n - w, (off_t) done + w);
              if (k < 0 && errno == EINTR)
                continue;
              if (k < 0)
                goto write_error;
              w += k;
            }
        }
      done += n;
      progress_report (&data->progress, (double) done / (double) st.st_size);
    }
  if (ftruncate (out, st.st_size) != 0 || fsync (out) != 0)
    goto write_error;
  progress_report (&data->progress, 1.0);
  goto out;

write_error:
  {
    int errsv = errno;
    error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv), _("cannot write %s: %s"),
                         job->dest, g_strerror (errsv));
  }
out:
  if (in >= 0)
    close (in);
  if (out >= 0)
    close (out);
  if (error != NULL)
    job_fail (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
hg_disk_image_copy_async (const char          *src,
                          const char          *dest,
                          HgDiskImageProgress  progress,
                          gpointer             progress_data,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CopyData *data = g_new0 (CopyData, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, hg_disk_image_copy_async);
  g_task_set_task_data (task, job_new (task, dest, NULL, NULL, cancellable), (GDestroyNotify) job_free);
  g_task_set_return_on_cancel (task, FALSE);
  data->src = g_strdup (src);
  progress_init (&data->progress, task, progress, progress_data);
  g_object_set_data_full (G_OBJECT (task), "copy", data, (GDestroyNotify) copy_data_free);
  if (!dest_is_free (dest, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  progress_report (&data->progress, 0.0);
  g_task_run_in_thread (task, copy_thread);
}

gboolean
hg_disk_image_copy_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- ISO, sizes, space ---------------------------------------------------- */

gboolean
hg_iso_check (const char  *path,
              GError     **error)
{
  char magic[5];
  GStatBuf st;
  gssize n;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_DISK_IMAGE_ERROR,
                   errsv == ENOENT ? HG_DISK_IMAGE_ERROR_NOT_FOUND : HG_DISK_IMAGE_ERROR_UNREADABLE,
                   errsv == ENOENT ? _("%s: no such file") : "%s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NOT_ISO,
                   _("%s is not a file"), path);
      return FALSE;
    }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_UNREADABLE,
                   _("%s cannot be read: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  n = pread (fd, magic, sizeof magic, 0x8001);
  close (fd);
  if (n != (gssize) sizeof magic || memcmp (magic, "CD001", 5) != 0)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_NOT_ISO,
                   _("%s is not an ISO 9660 CD/DVD image (no “CD001” signature)"), path);
      return FALSE;
    }
  return TRUE;
}

#define MAX_SIZE (G_GUINT64_CONSTANT (64) << 40)

gboolean
hg_size_parse (const char  *text,
               guint64     *out,
               GError     **error)
{
  guint64 number, factor = 1;
  char *end = NULL;

  g_return_val_if_fail (text != NULL && out != NULL, FALSE);

  if (g_ascii_strcasecmp (text, "none") == 0)
    {
      *out = 0;
      return TRUE;
    }
  if (!g_ascii_isdigit (text[0]))
    goto bad;
  errno = 0;
  number = g_ascii_strtoull (text, &end, 10);
  if (errno != 0)
    goto bad;
  if (*end != '\0')
    {
      switch (g_ascii_toupper (*end))
        {
        case 'K': factor = G_GUINT64_CONSTANT (1) << 10; break;
        case 'M': factor = G_GUINT64_CONSTANT (1) << 20; break;
        case 'G': factor = G_GUINT64_CONSTANT (1) << 30; break;
        case 'T': factor = G_GUINT64_CONSTANT (1) << 40; break;
        default: goto bad;
        }
      end++;
      if (*end != '\0' && g_ascii_strcasecmp (end, "B") != 0 && g_ascii_strcasecmp (end, "iB") != 0)
        goto bad;
    }
  if (number > MAX_SIZE / factor)
    {
      g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID_SIZE,
                   _("%s is larger than 64T"), text);
      return FALSE;
    }
  *out = number * factor;
  return TRUE;

bad:
  g_set_error (error, HG_DISK_IMAGE_ERROR, HG_DISK_IMAGE_ERROR_INVALID_SIZE,
               _("“%s” is not a size like 8G, 512M or 0"), text);
  return FALSE;
}

char *
hg_size_format (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

guint64
hg_fs_free_space (const char *path)
{
  g_autofree char *probe = g_canonicalize_filename (path, NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInfo) info = NULL;

  while (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (probe);
      gboolean top = g_str_equal (parent, probe);

      g_free (probe);
      probe = parent;
      if (top)
        break;
    }
  file = g_file_new_for_path (probe);
  info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return G_MAXUINT64;
  return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
}
