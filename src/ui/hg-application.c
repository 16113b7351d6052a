/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-application.h"
#include "hg-library.h"
#include "hg-notifier.h"
#include "hg-preferences-dialog.h"
#include "hg-settings.h"
#include "hg-window.h"

struct _HgApplication
{
  GtkApplication  parent_instance;

  GStrv           bases;       /* NULL = the library's default bases */
  GSettings      *settings;    /* NULL when the schema is missing */
  HgNotifier     *notifier;
  gboolean        bases_from_command_line;
  char           *select;      /* --select / --display VM, for the next activate */
  gboolean        show_display;
  GtkCssProvider *adwaita_assets;        /* adwaita-assets.css */
  gboolean        adwaita_assets_added;
};

G_DEFINE_FINAL_TYPE (HgApplication, hg_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "base", 'b', 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
    N_("Show the VMs under DIR (repeatable; default: the usual library)"), N_("DIR") },
  { "select", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Select VM (label, directory or .hangar file) in the window"), N_("VM") },
  { "display", 'd', 0, G_OPTION_ARG_STRING, NULL,
    N_("Select VM and show its display"), N_("VM") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

HgApplication *
hg_application_new (void)
{
  return g_object_new (HG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/hangarvm/Hangar",
                       NULL);
}

const char * const *
hg_application_get_bases (HgApplication *self)
{
  g_return_val_if_fail (HG_IS_APPLICATION (self), NULL);
  return (const char * const *) self->bases;
}

void
hg_application_set_bases (HgApplication      *self,
                          const char * const *bases)
{
  g_return_if_fail (HG_IS_APPLICATION (self));

  g_strfreev (self->bases);
  self->bases = bases != NULL && bases[0] != NULL ? g_strdupv ((char **) bases) : NULL;
}

GSettings *
hg_application_get_settings (HgApplication *self)
{
  g_return_val_if_fail (HG_IS_APPLICATION (self), NULL);
  return self->settings;
}

HgNotifier *
hg_application_get_notifier (HgApplication *self)
{
  g_return_val_if_fail (HG_IS_APPLICATION (self), NULL);
  return self->notifier;
}

static void
hg_application_activate (GApplication *app)
{
  HgApplication *self = HG_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  /* No --base: the default library and the folders from the preferences */
  if (self->bases == NULL && self->settings != NULL)
    {
      g_auto(GStrv) defaults = hg_library_default_bases ();

      self->bases = hg_settings_dup_bases (self->settings, (const char * const *) defaults);
    }
  if (window == NULL)
    window = GTK_WINDOW (hg_window_new (self));
  else if (self->bases != NULL)
    hg_window_set_bases (HG_WINDOW (window), (const char * const *) self->bases);
  if (self->select != NULL)
    hg_window_select_vm (HG_WINDOW (window), self->select, self->show_display);
  g_clear_pointer (&self->select, g_free);
  gtk_window_present (window);
}

static int
hg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("hangar %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

static int
hg_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  HgApplication *self = HG_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree const char **bases = NULL;
  const char *select = NULL;
  const char *display = NULL;

  if (g_variant_dict_lookup (options, "base", "^a&ay", &bases))
    {
      g_autoptr(GPtrArray) absolute = g_ptr_array_new_with_free_func (g_free);

      /* Relative to the directory of the command, which may be a remote
       * instance started elsewhere. */
      for (guint i = 0; bases[i] != NULL; i++)
        {
          g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, bases[i]);
          g_ptr_array_add (absolute, g_file_get_path (file));
        }
      g_ptr_array_add (absolute, NULL);
      hg_application_set_bases (self, (const char * const *) absolute->pdata);
      self->bases_from_command_line = TRUE;
    }

  g_clear_pointer (&self->select, g_free);
  self->show_display = FALSE;
  if (g_variant_dict_lookup (options, "display", "&s", &display))
    self->show_display = TRUE;
  else if (!g_variant_dict_lookup (options, "select", "&s", &select))
    select = NULL;
  if (display != NULL)
    select = display;
  /* a directory or file: relative to where the command ran */
  if (select != NULL && strchr (select, '/') != NULL)
    {
      g_autoptr(GFile) file = g_application_command_line_create_file_for_arg (command_line, select);
      self->select = g_file_get_path (file);
    }
  else
    self->select = g_strdup (select);

  g_application_activate (app);
  return 0;
}

/* ---- app. actions ------------------------------------------------------- */

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  /* Closing windows never stops a VM: they run in their own sessions. */
  g_application_quit (G_APPLICATION (user_data));
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  static const char *authors[] = { "The Hangar developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", "Hangar",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Run and manage QEMU virtual machines"),
                         "website", "https://github.com/hangarvm/hangar",
                         "website-label", _("Website"),
                         "copyright", "© 2026 The Hangar developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
action_preferences (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgApplication *self = user_data;
  HgPreferencesDialog *dialog;

  g_return_if_fail (self->settings != NULL);
  dialog = hg_preferences_dialog_new (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                      self->settings);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The folders changed in the preferences: every window shows the new list,
 * unless --base chose the folders for this run. */
static void
on_bases_setting_changed (GSettings     *settings,
                          const char    *key,
                          HgApplication *self)
{
  g_auto(GStrv) defaults = NULL;

  if (self->bases_from_command_line)
    return;
  defaults = hg_library_default_bases ();
  g_clear_pointer (&self->bases, g_strfreev);
  self->bases = hg_settings_dup_bases (settings, (const char * const *) defaults);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (HG_IS_WINDOW (l->data))
      hg_window_set_bases (HG_WINDOW (l->data), (const char * const *) self->bases);
}

static const GActionEntry app_actions[] = {
  { "quit", action_quit },
  { "about", action_about },
  { "preferences", action_preferences },
};

/* adwaita-assets.css: the PNG renditions of the built-in Adwaita theme's
 * check and radio marks, for as long as that theme is the one in use.
 * GtkSettings adds the theme at the SETTINGS priority, so one above it;
 * the user's own gtk.css (USER) still wins. */
static void
on_theme_name_changed (GtkSettings   *settings,
                       GParamSpec    *pspec,
                       HgApplication *self)
{
  g_autofree char *theme = NULL;
  gboolean adwaita;

  g_object_get (settings, "gtk-theme-name", &theme, NULL);
  adwaita = theme == NULL || g_str_equal (theme, "Adwaita") || g_str_equal (theme, "Adwaita-dark");
  if (adwaita == self->adwaita_assets_added)
    return;
  if (adwaita)
    gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
                                               GTK_STYLE_PROVIDER (self->adwaita_assets),
                                               GTK_STYLE_PROVIDER_PRIORITY_SETTINGS + 1);
  else
    gtk_style_context_remove_provider_for_screen (gdk_screen_get_default (),
                                                  GTK_STYLE_PROVIDER (self->adwaita_assets));
  self->adwaita_assets_added = adwaita;
}

static void
hg_application_startup (GApplication *app)
{
  HgApplication *self = HG_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Primary>q", NULL } },
    { "app.preferences", { "<Primary>comma", NULL } },
    { "win.show-help-overlay", { "<Primary>question", "<Primary>F1", NULL } },
    { "win.reload", { "F5", "<Primary>r", NULL } },
    { "win.find", { "<Primary>f", NULL } },
    { "win.new-vm", { "<Primary>n", NULL } },
    { "win.fullscreen", { "F11", NULL } },
    { "win.page::details", { "<Alt>1", NULL } },
    { "win.page::display", { "<Alt>2", NULL } },
    { "win.page::serial", { "<Alt>3", NULL } },
    { "win.page::monitor", { "<Alt>4", NULL } },
    { "win.page::networks", { "<Alt>5", NULL } },
    { "vm.start::default", { "<Primary>Return", NULL } },
    { "vm.pause", { "<Primary>p", NULL } },
    { "vm.shutdown", { "<Primary><Shift>s", NULL } },
    { "vm.force-off", { "<Primary><Shift>k", NULL } },
    { "vm.reset", { "<Primary><Shift>r", NULL } },
    { "vm.screenshot", { "<Primary><Shift>p", NULL } },
    { "vm.send-keys::ctrl-alt-del", { "<Primary><Alt>End", NULL } },
    /* the VM dialogs (hg-window-actions.c) and the display (hg-vnc-view.c) */
    { "vm.start::cdrom", { "<Primary><Shift>i", NULL } },
    { "vm.snapshots", { "<Primary><Shift>t", NULL } },
    { "vm.media", { "<Primary><Shift>m", NULL } },
    { "vm.properties", { "<Alt>Return", NULL } },
    { "vm.clone", { "<Primary><Shift>d", NULL } },
    { "vm.move", { "<Primary><Shift>o", NULL } },
    { "vm.delete", { "<Primary>Delete", NULL } },
    { "display.scale", { "<Primary>0", NULL } },
    { "display.grab", { "<Primary><Shift>g", NULL } },
    { "display.detach", { "<Primary><Shift>n", NULL } },
    { "display.reconnect", { "<Primary><Shift>l", NULL } },
    { "display.fullscreen", { "F11", NULL } },
  };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (hg_application_parent_class)->startup (app);

  g_set_application_name ("Hangar");
  /* The icon of the windows from a PNG: the app icon itself is an SVG,
   * whose loader (librsvg, ~7 MB) would be loaded and run at startup only
   * for this.  The About dialog still shows the SVG, when it is opened. */
  {
    g_autoptr(GdkPixbuf) icon = gdk_pixbuf_new_from_resource ("/io/github/hangarvm/Hangar/window-icon.png", NULL);

    if (icon != NULL)
      gtk_window_set_default_icon (icon);
    else
      gtk_window_set_default_icon_name (APP_ID);
  }
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);

  /* Preferences and notifications (hg-settings.c, hg-notifier.c) */
  self->settings = hg_settings_new ();
  self->notifier = hg_notifier_new (app, self->settings);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (app), "preferences")),
                               self->settings != NULL);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::base-directories",
                               G_CALLBACK (on_bases_setting_changed), self, 0);
      g_signal_connect_object (self->settings, "changed::include-default-base",
                               G_CALLBACK (on_bases_setting_changed), self, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);

  gtk_css_provider_load_from_resource (css, "/io/github/hangarvm/Hangar/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (),
                                             GTK_STYLE_PROVIDER (css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  self->adwaita_assets = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (self->adwaita_assets,
                                       "/io/github/hangarvm/Hangar/adwaita-assets.css");
  g_signal_connect_object (gtk_settings_get_default (), "notify::gtk-theme-name",
                           G_CALLBACK (on_theme_name_changed), self, 0);
  on_theme_name_changed (gtk_settings_get_default (), NULL, self);
}

static void
hg_application_finalize (GObject *object)
{
  HgApplication *self = HG_APPLICATION (object);

  g_clear_pointer (&self->bases, g_strfreev);
  g_clear_pointer (&self->select, g_free);
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);
  g_clear_object (&self->adwaita_assets);

  G_OBJECT_CLASS (hg_application_parent_class)->finalize (object);
}

static void
hg_application_class_init (HgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = hg_application_finalize;
  app_class->activate = hg_application_activate;
  app_class->startup = hg_application_startup;
  app_class->command_line = hg_application_command_line;
  app_class->handle_local_options = hg_application_handle_local_options;
}

static void
hg_application_init (HgApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}
