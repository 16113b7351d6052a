/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include "hg-settings.h"

GSettings *
hg_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

#ifdef HG_BUILD_SCHEMA_DIR
  /* An uninstalled build: data/gschemas.compiled in the build tree. */
  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) build_source = NULL;
      g_autoptr(GError) error = NULL;

      build_source = g_settings_schema_source_new_from_directory (HG_BUILD_SCHEMA_DIR, source,
                                                                  FALSE, &error);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, FALSE);
      else
        g_debug ("No schemas in %s: %s", HG_BUILD_SCHEMA_DIR, error->message);
    }
#endif

  if (schema == NULL)
    {
      g_message ("The settings schema %s is not installed; preferences are not kept", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static gboolean
strv_equal0 (const char * const *a,
             const char * const *b)
{
  guint i;

  for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++)
    if (g_strcmp0 (a[i], b[i]) != 0)
      return FALSE;
  return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

GStrv
hg_settings_dup_bases (GSettings          *settings,
                       const char * const *default_bases)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) extra = NULL;
  g_auto(GStrv) bases = NULL;

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  if (settings == NULL)
    return NULL;

  extra = g_settings_get_strv (settings, "base-directories");
  if (g_settings_get_boolean (settings, "include-default-base"))
    for (guint i = 0; default_bases != NULL && default_bases[i] != NULL; i++)
      if (g_hash_table_add (seen, (gpointer) default_bases[i]))
        g_strv_builder_add (builder, default_bases[i]);
  for (guint i = 0; extra[i] != NULL; i++)
    if (extra[i][0] != '\0' && g_hash_table_add (seen, extra[i]))
      g_strv_builder_add (builder, extra[i]);

  bases = g_strv_builder_end (builder);
  if (strv_equal0 ((const char * const *) bases, default_bases))
    return NULL;
  return g_steal_pointer (&bases);
}

/* ---- window state --------------------------------------------------------- */

typedef struct {
  GSettings *settings;
  int        width;
  int        height;
  gboolean   maximized;
} WindowState;

static void
window_state_free (gpointer  data,
                   GClosure *closure)
{
  WindowState *state = data;

  g_object_unref (state->settings);
  g_free (state);
}

static void
on_window_size_allocate (GtkWidget     *widget,
                         GtkAllocation *allocation,
                         WindowState   *state)
{
  /* the size to come back to, not the maximized one */
  if (!gtk_window_is_maximized (GTK_WINDOW (widget)))
    gtk_window_get_size (GTK_WINDOW (widget), &state->width, &state->height);
}

static gboolean
on_window_state_event (GtkWidget           *widget,
                       GdkEventWindowState *event,
                       WindowState         *state)
{
  state->maximized = (event->new_window_state & GDK_WINDOW_STATE_MAXIMIZED) != 0;
  return GDK_EVENT_PROPAGATE;
}

static void
on_window_unrealize (GtkWidget   *widget,
                     WindowState *state)
{
  GSettings *settings = state->settings;

  g_settings_set_int (settings, "window-width", state->width);
  g_settings_set_int (settings, "window-height", state->height);
  g_settings_set_boolean (settings, "window-maximized", state->maximized);
}

void
hg_settings_bind_window (GSettings *settings,
                         GtkWindow *window)
{
  WindowState *state;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (GTK_IS_WINDOW (window));

  state = g_new0 (WindowState, 1);
  state->width = MAX (g_settings_get_int (settings, "window-width"), 320);
  state->height = MAX (g_settings_get_int (settings, "window-height"), 240);
  state->maximized = g_settings_get_boolean (settings, "window-maximized");
  state->settings = g_object_ref (settings);

  gtk_window_set_default_size (window, state->width, state->height);
  if (state->maximized)
    gtk_window_maximize (window);

  g_signal_connect (window, "size-allocate", G_CALLBACK (on_window_size_allocate), state);
  g_signal_connect (window, "window-state-event", G_CALLBACK (on_window_state_event), state);
  /* freed with the window (its handlers go together, at its dispose) */
  g_signal_connect_data (window, "unrealize", G_CALLBACK (on_window_unrealize), state,
                         window_state_free, 0);
}
