/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hg-test-ui.h"

void
hg_test_ui_flush (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

gboolean
hg_test_ui_wait_flag (gboolean *flag,
                      guint     timeout_ms)
{
  return hg_test_wait_until (flag_set, flag, timeout_ms);
}

static gboolean
on_draw_after (GtkWidget *widget,
               cairo_t   *cr,
               gboolean  *flag)
{
  *flag = TRUE;
  return FALSE;
}

void
hg_test_ui_save_screenshot (GtkWidget  *toplevel,
                            const char *name)
{
  const char *dir = g_getenv ("HANGAR_SCREENSHOT_DIR");
  GdkWindow *gdk_window;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  gboolean was_drawn = FALSE;
  gulong id;

  if (dir == NULL || dir[0] == '\0')
    return;
  /* one complete frame after everything settled */
  id = g_signal_connect_after (toplevel, "draw", G_CALLBACK (on_draw_after), &was_drawn);
  gtk_widget_queue_draw (toplevel);
  g_assert_true (hg_test_ui_wait_flag (&was_drawn, 5000));
  g_signal_handler_disconnect (toplevel, id);
  hg_test_ui_flush ();
  gdk_display_sync (gdk_display_get_default ());

  gdk_window = gtk_widget_get_window (toplevel);
  pixbuf = gdk_pixbuf_get_from_window (gdk_window, 0, 0, gdk_window_get_width (gdk_window),
                                       gdk_window_get_height (gdk_window));
  g_assert_nonnull (pixbuf);
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  g_test_message ("saved %s", path);
}

/* ---- the main window ---------------------------------------------------------- */

static gboolean
caps_probed (gpointer data)
{
  return hg_vm_manager_get_host_caps (((HgWindow *) data)->manager) != NULL;
}

gboolean
hg_test_ui_wait_caps (HgWindow *window,
                      guint     timeout_ms)
{
  return hg_test_wait_until (caps_probed, window, timeout_ms);
}

typedef struct {
  HgSerialView *view;
  const char   *needle;
} SerialWait;

static gboolean
serial_shows (gpointer data)
{
  SerialWait *w = data;
  g_autofree char *text = hg_serial_view_dup_text (w->view);

  return text != NULL && strstr (text, w->needle) != NULL;
}

gboolean
hg_test_ui_wait_serial (HgSerialView *view,
                        const char   *needle,
                        guint         timeout_ms)
{
  SerialWait w = { view, needle };

  return hg_test_wait_until (serial_shows, &w, timeout_ms);
}

void
hg_test_ui_assert_serial (HgSerialView *view,
                          const char   *needle,
                          guint         timeout_ms)
{
  if (!hg_test_ui_wait_serial (view, needle, timeout_ms))
    {
      g_autofree char *text = hg_serial_view_dup_text (view);
      g_error ("the serial terminal shows no “%s” after %u s:\n%s", needle, timeout_ms / 1000, text);
    }
}

typedef struct {
  HgWindow *window;
  gboolean  past_placeholder;
} PictureWait;

static gboolean
display_has_picture (gpointer data)
{
  PictureWait *w = data;
  VncDisplay *display = hg_vnc_view_get_display (w->window->vnc_view);

  if (!hg_vnc_session_has_content (hg_vnc_view_get_session (w->window->vnc_view)))
    return FALSE;
  /* the BIOS and a boot loader switch to a mode of their own (VGA text
   * mode is 720x400) */
  return !w->past_placeholder ||
         !(vnc_display_get_width (display) == 640 && vnc_display_get_height (display) == 480);
}

void
hg_test_ui_assert_picture (HgWindow *window,
                           HgVm     *vm,
                           gboolean  past_placeholder,
                           guint     timeout_ms)
{
  PictureWait w = { window, past_placeholder };
  HgVncSession *session;
  VncDisplay *display;

  if (hg_test_wait_until (display_has_picture, &w, timeout_ms))
    return;
  session = hg_vnc_view_get_session (window->vnc_view);
  display = hg_vnc_view_get_display (window->vnc_view);
  g_error ("no picture on the display after %u s: VM %s, session %s state %d (%s), %" G_GUINT64_FORMAT
           " updates, %dx%d, display realized %d, message “%s”",
           timeout_ms / 1000, hg_vm_state_to_string (hg_vm_get_state (vm)),
           hg_vnc_session_get_socket_path (session), hg_vnc_session_get_state (session),
           hg_vnc_session_get_error (session), hg_vnc_session_get_n_updates (session),
           vnc_display_get_width (display), vnc_display_get_height (display),
           gtk_widget_get_realized (GTK_WIDGET (display)), gtk_label_get_text (window->message_label));
}
