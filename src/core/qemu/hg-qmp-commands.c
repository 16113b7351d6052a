/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qmp"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-qmp-commands-private.h"

/*
 * Typed commands: each builds its arguments, runs one (rarely two) QMP
 * commands through hg_qmp_client_execute_full_async() and turns the "return"
 * member into C values.  Every public async function makes its own GTask on
 * the client with its own source tag.
 */

/* ---- plumbing ---------------------------------------------------------- */

JsonNode *
_hg_qmp_args_new (void)
{
  return json_node_init_object (json_node_alloc (), json_object_new ());
}

JsonObject *
_hg_qmp_args_obj (JsonNode *node)
{
  return json_node_get_object (node);
}

static gboolean
return_error_invalid (GTask *task, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
return_error_invalid (GTask *task, const char *format, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT, "%s", message);
  return FALSE;
}

GError *
_hg_qmp_shape_error (const char *command)
{
  return g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                      _("QEMU's answer to “%s” does not have the expected form"), command);
}

/* ---- commands without a result ---------------------------------------- */

typedef struct {
  gboolean disconnect_is_success;
} SimpleData;

static void
simple_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SimpleData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  ret = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (ret == NULL)
    {
      if (data->disconnect_is_success &&
          g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
_hg_qmp_simple_run (HgQmpClient        *client,
                    const char         *command,
                    JsonNode           *arguments,
                    gboolean            disconnect_is_success,
                    gpointer            source_tag,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  GTask *task;
  SimpleData *data;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  data = g_new0 (SimpleData, 1);
  data->disconnect_is_success = disconnect_is_success;
  g_task_set_task_data (task, data, g_free);

  hg_qmp_client_execute_async (client, command, arguments, cancellable, simple_done_cb, task);
}

gboolean
hg_qmp_simple_finish (HgQmpClient   *client,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (client), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hg_qmp_stop_async (HgQmpClient *client, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  _hg_qmp_simple_run (client, "stop", NULL, FALSE, hg_qmp_stop_async, cancellable, callback,
                      user_data);
}

void
hg_qmp_cont_async (HgQmpClient *client, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  _hg_qmp_simple_run (client, "cont", NULL, FALSE, hg_qmp_cont_async, cancellable, callback,
                      user_data);
}

void
hg_qmp_system_powerdown_async (HgQmpClient *client, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  _hg_qmp_simple_run (client, "system_powerdown", NULL, FALSE, hg_qmp_system_powerdown_async,
                      cancellable, callback, user_data);
}

void
hg_qmp_system_reset_async (HgQmpClient *client, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  _hg_qmp_simple_run (client, "system_reset", NULL, FALSE, hg_qmp_system_reset_async,
                      cancellable, callback, user_data);
}

void
hg_qmp_quit_async (HgQmpClient *client, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  _hg_qmp_simple_run (client, "quit", NULL, TRUE, hg_qmp_quit_async, cancellable, callback,
                      user_data);
}

/* ---- commands with a result ------------------------------------------- */

typedef struct {
  char            *command;
  HgQmpReturnFunc  func;
} ValueData;

static void
value_data_free (ValueData *data)
{
  g_free (data->command);
  g_free (data);
}

static void
value_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ValueData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  ret = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (ret == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    data->func (task, data->command, ret);
}

GTask *
_hg_qmp_value_task_new (HgQmpClient        *client,
                        const char         *command,
                        HgQmpReturnFunc     func,
                        gpointer            source_tag,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  ValueData *data = g_new0 (ValueData, 1);

  data->command = g_strdup (command);
  data->func = func;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) value_data_free);
  return task;
}

void
_hg_qmp_value_run (HgQmpClient *client, GTask *task /* transfer full */, JsonNode *arguments,
                   guint timeout_ms)
{
  ValueData *data = g_task_get_task_data (task);

  hg_qmp_client_execute_full_async (client, data->command, arguments, timeout_ms,
                                    g_task_get_cancellable (task), value_done_cb, task);
}

/* query-status */

typedef struct {
  gboolean  running;
  char     *status;
} StatusResult;

static void
status_result_free (StatusResult *r)
{
  g_free (r->status);
  g_free (r);
}

static void
status_parse (GTask *task, const char *command, JsonNode *ret)
{
  JsonObject *o;
  StatusResult *r;

  if (!JSON_NODE_HOLDS_OBJECT (ret) ||
      !json_object_has_member (o = json_node_get_object (ret), "status"))
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  r = g_new0 (StatusResult, 1);
  r->running = json_object_get_boolean_member_with_default (o, "running", FALSE);
  r->status = g_strdup (json_object_get_string_member_with_default (o, "status", ""));
  g_task_return_pointer (task, r, (GDestroyNotify) status_result_free);
}

void
hg_qmp_query_status_async (HgQmpClient *client, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (client));
  _hg_qmp_value_run (client,
                     _hg_qmp_value_task_new (client, "query-status", status_parse,
                                             hg_qmp_query_status_async,
                             cancellable, callback, user_data),
             NULL, 0);
}

gboolean
hg_qmp_query_status_finish (HgQmpClient *client, GAsyncResult *result,
                            gboolean *running, char **status, GError **error)
{
  StatusResult *r;

  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;
  if (running)
    *running = r->running;
  if (status)
    *status = g_steal_pointer (&r->status);
  status_result_free (r);
  return TRUE;
}

/* query-name / query-uuid */

static void
string_member_parse (GTask *task, const char *command, JsonNode *ret, const char *member,
                     gboolean optional)
{
  JsonObject *o;
  const char *value;

  if (!JSON_NODE_HOLDS_OBJECT (ret))
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  o = json_node_get_object (ret);
  value = json_object_get_string_member_with_default (o, member, NULL);
  if (value == NULL && !optional)
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  /* For query-name, "no name" is a successful NULL: wrap it. */
  g_task_return_pointer (task, g_strdup (value ? value : ""), g_free);
}

static void
name_parse (GTask *task, const char *command, JsonNode *ret)
{
  string_member_parse (task, command, ret, "name", TRUE);
}

static void
uuid_parse (GTask *task, const char *command, JsonNode *ret)
{
  string_member_parse (task, command, ret, "UUID", FALSE);
}

void
hg_qmp_query_name_async (HgQmpClient *client, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (client));
  _hg_qmp_value_run (client,
                     _hg_qmp_value_task_new (client, "query-name", name_parse,
                                             hg_qmp_query_name_async,
                             cancellable, callback, user_data),
             NULL, 0);
}

gboolean
hg_qmp_query_name_finish (HgQmpClient *client, GAsyncResult *result,
                          char **name, GError **error)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return FALSE;
  if (name)
    *name = *value ? g_steal_pointer (&value) : NULL;
  return TRUE;
}

void
hg_qmp_query_uuid_async (HgQmpClient *client, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (client));
  _hg_qmp_value_run (client,
                     _hg_qmp_value_task_new (client, "query-uuid", uuid_parse,
                                             hg_qmp_query_uuid_async,
                             cancellable, callback, user_data),
             NULL, 0);
}

char *
hg_qmp_query_uuid_finish (HgQmpClient *client, GAsyncResult *result, GError **error)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, client), NULL);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return NULL;
  return g_ascii_strdown (value, -1);
}

/* ---- human-monitor-command -------------------------------------------- */

static void
hmp_parse (GTask *task, const char *command, JsonNode *ret)
{
  if (!JSON_NODE_HOLDS_VALUE (ret) || json_node_get_value_type (ret) != G_TYPE_STRING)
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  g_task_return_pointer (task, g_strdup (json_node_get_string (ret)), g_free);
}

static gboolean
hmp_line_is_valid (GTask *task, const char *command_line)
{
  if (command_line == NULL || *command_line == '\0')
    return return_error_invalid (task, _("The monitor command is empty"));
  if (strpbrk (command_line, "\r\n") != NULL)
    return return_error_invalid (task, _("The monitor command “%s” contains a line break"),
                                 command_line);
  if (!g_utf8_validate (command_line, -1, NULL))
    return return_error_invalid (task, _("The monitor command is not valid UTF-8"));
  return TRUE;
}

JsonNode *
_hg_qmp_hmp_args (const char *command_line)
{
  JsonNode *args = _hg_qmp_args_new ();

  json_object_set_string_member (_hg_qmp_args_obj (args), "command-line", command_line);
  return args;
}

void
hg_qmp_human_monitor_command_async (HgQmpClient *client, const char *command_line,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) args = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = _hg_qmp_value_task_new (client, "human-monitor-command", hmp_parse,
                                 hg_qmp_human_monitor_command_async, cancellable, callback,
                                 user_data);
  if (!hmp_line_is_valid (task, command_line))
    return;
  args = _hg_qmp_hmp_args (command_line);
  _hg_qmp_value_run (client, g_steal_pointer (&task), args, 0);
}

char *
hg_qmp_human_monitor_command_finish (HgQmpClient *client, GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- screendump -------------------------------------------------------- */

static void
screendump_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgQmpClient *client = HG_QMP_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;

  ret = hg_qmp_client_execute_finish (client, result, &error);
  if (ret != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* QEMU before 7.1 does not know "format"; one built without libpng
   * refuses it.  Hangar writes no PNG of its own. */
  if (g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC) ||
      g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_UNKNOWN_CLASS))
    {
      g_autofree char *lower = g_ascii_strdown (error->message, -1);

      if (strstr (lower, "png") != NULL || strstr (lower, "format") != NULL)
        {
          g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC,
                                   _("This QEMU cannot write a PNG screenshot (screendump "
                                     "format=png needs QEMU 7.1 or later, built with libpng): %s"),
                                   error->message);
          return;
        }
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

void
hg_qmp_screendump_async (HgQmpClient *client, const char *filename, const char *device,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) args = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_screendump_async);
  if (filename == NULL || *filename == '\0')
    {
      return_error_invalid (task, _("No file name given for the screenshot"));
      return;
    }
  if (!g_path_is_absolute (filename))
    {
      return_error_invalid (task, _("The screenshot file name “%s” is not an absolute path "
                                    "(QEMU writes it from its own directory)"), filename);
      return;
    }

  args = _hg_qmp_args_new ();
  json_object_set_string_member (_hg_qmp_args_obj (args), "filename", filename);
  if (device != NULL)
    json_object_set_string_member (_hg_qmp_args_obj (args), "device", device);
  json_object_set_string_member (_hg_qmp_args_obj (args), "format", "png");
  hg_qmp_client_execute_async (client, "screendump", args, cancellable,
                               screendump_done_cb, g_steal_pointer (&task));
}

gboolean
hg_qmp_screendump_finish (HgQmpClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- keys -------------------------------------------------------------- */

/* QEMU's QKeyCode enum (qapi/ui.json), as of 7.2 */
static const char * const qcodes[] = {
  "unmapped", "shift", "shift_r", "alt", "alt_r", "ctrl", "ctrl_r", "menu", "esc",
  "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "minus", "equal", "backspace",
  "tab", "q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "bracket_left",
  "bracket_right", "ret", "a", "s", "d", "f", "g", "h", "j", "k", "l", "semicolon",
  "apostrophe", "grave_accent", "backslash", "z", "x", "c", "v", "b", "n", "m",
  "comma", "dot", "slash", "asterisk", "spc", "caps_lock", "f1", "f2", "f3", "f4",
  "f5", "f6", "f7", "f8", "f9", "f10", "num_lock", "scroll_lock", "kp_divide",
  "kp_multiply", "kp_subtract", "kp_add", "kp_enter", "kp_decimal", "sysrq", "kp_0",
  "kp_1", "kp_2", "kp_3", "kp_4", "kp_5", "kp_6", "kp_7", "kp_8", "kp_9", "less",
  "f11", "f12", "print", "home", "pgup", "pgdn", "end", "left", "up", "down",
  "right", "insert", "delete", "stop", "again", "props", "undo", "front", "copy",
  "open", "paste", "find", "cut", "lf", "help", "meta_l", "meta_r", "compose",
  "pause", "ro", "hiragana", "henkan", "yen", "muhenkan", "katakanahiragana",
  "kp_comma", "kp_equals", "power", "sleep", "wake", "audionext", "audioprev",
  "audiostop", "audioplay", "audiomute", "volumeup", "volumedown", "mediaselect",
  "mail", "calculator", "computer", "ac_home", "ac_back", "ac_forward",
  "ac_refresh", "ac_bookmarks", "lang1", "lang2",
};

static const struct {
  const char *alias;
  const char *qcode;
} key_aliases[] = {
  { "control", "ctrl" }, { "lctrl", "ctrl" }, { "rctrl", "ctrl_r" },
  { "lalt", "alt" }, { "ralt", "alt_r" }, { "altgr", "alt_r" },
  { "lshift", "shift" }, { "rshift", "shift_r" },
  { "del", "delete" }, { "ins", "insert" },
  { "enter", "ret" }, { "return", "ret" },
  { "space", "spc" }, { "escape", "esc" },
  { "win", "meta_l" }, { "super", "meta_l" }, { "meta", "meta_l" }, { "windows", "meta_l" },
  { "pageup", "pgup" }, { "page_up", "pgup" }, { "pagedown", "pgdn" }, { "page_down", "pgdn" },
  { "printscreen", "print" }, { "prtsc", "print" }, { "bksp", "backspace" },
  { "capslock", "caps_lock" }, { "numlock", "num_lock" }, { "scrolllock", "scroll_lock" },
  { ".", "dot" }, { ",", "comma" }, { "/", "slash" }, { "=", "equal" },
  { "`", "grave_accent" }, { ";", "semicolon" }, { "'", "apostrophe" },
  { "[", "bracket_left" }, { "]", "bracket_right" }, { "\\", "backslash" },
  { "*", "asterisk" }, { "<", "less" },
};

#define MAX_KEYS 16

gboolean
hg_qmp_is_qcode (const char *qcode)
{
  if (qcode == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (qcodes); i++)
    if (g_str_equal (qcodes[i], qcode))
      return TRUE;
  return FALSE;
}

GStrv
hg_qmp_parse_key_combo (const char *combo, GError **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *lower = NULL;
  const char *p;
  guint n = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (combo == NULL || *combo == '\0')
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("No keys given"));
      return NULL;
    }
  if (!g_utf8_validate (combo, -1, NULL))
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("The key combination is not valid UTF-8"));
      return NULL;
    }

  lower = g_ascii_strdown (combo, -1);
  p = lower;
  while (TRUE)
    {
      gsize len = strcspn (p, "-+");
      g_autofree char *key = g_strndup (p, len);
      const char *qcode = NULL;

      if (len == 0)
        {
          g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                       _("The key combination “%s” has an empty key name "
                         "(use “minus” or “kp_add” for - and +)"), combo);
          return NULL;
        }

      if (hg_qmp_is_qcode (key))
        qcode = key;
      for (gsize i = 0; qcode == NULL && i < G_N_ELEMENTS (key_aliases); i++)
        if (g_str_equal (key_aliases[i].alias, key))
          qcode = key_aliases[i].qcode;
      if (qcode == NULL)
        {
          g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                       _("Unknown key “%s” in “%s”"), key, combo);
          return NULL;
        }
      if (++n > MAX_KEYS)
        {
          g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                       _("The key combination “%s” has more than %d keys"), combo, MAX_KEYS);
          return NULL;
        }
      g_strv_builder_add (builder, qcode);

      p += len;
      if (*p == '\0')
        break;
      p++;
    }

  return g_strv_builder_end (builder);
}

void
hg_qmp_send_key_async (HgQmpClient *client, const char * const *keys,
                       guint hold_time_ms, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(JsonNode) args = NULL;
  JsonArray *array;
  guint n;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  n = keys ? g_strv_length ((char **) keys) : 0;
  if (n == 0 || n > MAX_KEYS)
    {
      g_task_report_new_error (client, callback, user_data, hg_qmp_send_key_async,
                               HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                               _("send-key needs between 1 and %d keys, not %u"), MAX_KEYS, n);
      return;
    }
  for (guint i = 0; i < n; i++)
    if (!hg_qmp_is_qcode (keys[i]))
      {
        g_task_report_new_error (client, callback, user_data, hg_qmp_send_key_async,
                                 HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                                 _("“%s” is not a QEMU key name"), keys[i]);
        return;
      }

  args = _hg_qmp_args_new ();
  array = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *k = json_object_new ();

      json_object_set_string_member (k, "type", "qcode");
      json_object_set_string_member (k, "data", keys[i]);
      json_array_add_object_element (array, k);
    }
  json_object_set_array_member (_hg_qmp_args_obj (args), "keys", array);
  if (hold_time_ms > 0)
    json_object_set_int_member (_hg_qmp_args_obj (args), "hold-time", hold_time_ms);

  _hg_qmp_simple_run (client, "send-key", args, FALSE, hg_qmp_send_key_async,
                      cancellable, callback, user_data);
}
