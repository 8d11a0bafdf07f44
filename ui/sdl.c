/*
 * The SDL2 window (-display sdl). It runs on the machine's thread from a
 * main-loop timer every REFRESH_NS: brings the Display up to date, uploads
 * the redrawn scanlines into a streaming texture, stretches it over the
 * window, and turns SDL's input events into PS/2 keyboard and mouse bytes.
 * SDL documentation: SDL_UpdateTexture, SDL_RenderCopy, SDL_SetRelativeMouseMode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config-host.h"
#include "ui/keymap.h"
#include "ui/sdl.h"

#ifdef CONFIG_SDL
#include <SDL2/SDL.h>

#define REFRESH_NS 30000000     /* about 33 frames a second */

struct SDLDisplay {
    Display *display;
    MainLoop *ml;
    I8042State *kbd;
    Timer *timer;
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int tex_w, tex_h;
    bool grabbed;
    unsigned buttons;
};

static void set_title(SDLDisplay *s)
{
    SDL_SetWindowTitle(s->window, s->grabbed ? "Quetzal - Press Ctrl+Alt+G to release input"
                                             : "Quetzal");
}

static void set_grab(SDLDisplay *s, bool on)
{
    s->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(s->window, on ? SDL_TRUE : SDL_FALSE);
    set_title(s);
}

static void send_key(SDLDisplay *s, SDL_Scancode sc, bool down)
{
    uint8_t b[4];
    int n = ps2_set2_bytes(sc, down, b);
    for (int i = 0; i < n; i++) {
        i8042_keyboard_input(s->kbd, b[i]);
    }
}

static void key_event(SDLDisplay *s, const SDL_KeyboardEvent *k)
{
    bool down = k->type == SDL_KEYDOWN;
    SDL_Keymod mod = SDL_GetModState();
    if (down && k->keysym.scancode == SDL_SCANCODE_G && (mod & KMOD_CTRL) && (mod & KMOD_ALT)) {
        set_grab(s, !s->grabbed);
        return;
    }
    send_key(s, k->keysym.scancode, down);   /* repeats arrive as more makes (typematic) */
}

static unsigned sdl_buttons(uint32_t state)
{
    return ((state & SDL_BUTTON_LMASK) ? 1 : 0) | ((state & SDL_BUTTON_RMASK) ? 2 : 0) |
           ((state & SDL_BUTTON_MMASK) ? 4 : 0);
}

static void poll_events(SDLDisplay *s)
{
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            main_loop_request(s->ml, REQ_EXIT_CODE, 0);
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            key_event(s, &e.key);
            break;
        case SDL_MOUSEBUTTONDOWN:
            if (!s->grabbed) {
                set_grab(s, true);
                break;
            }
            /* fall through */
        case SDL_MOUSEBUTTONUP:
            if (s->grabbed) {
                s->buttons = sdl_buttons(SDL_GetMouseState(NULL, NULL));
                i8042_mouse_event(s->kbd, 0, 0, s->buttons);
            }
            break;
        case SDL_MOUSEMOTION:
            if (s->grabbed) {
                i8042_mouse_event(s->kbd, e.motion.xrel, -e.motion.yrel, s->buttons);
            }
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST && s->grabbed) {
                set_grab(s, false);
            }
            break;
        }
    }
}

static void refresh(void *opaque)
{
    SDLDisplay *s = opaque;
    int y0, y1, w, h;
    bool resized;
    display_update(s->display, &y0, &y1, &resized);
    const uint32_t *px = display_surface(s->display, &w, &h);
    if (!s->texture || w != s->tex_w || h != s->tex_h) {
        if (s->texture) {
            SDL_DestroyTexture(s->texture);
        }
        s->texture = SDL_CreateTexture(s->renderer, SDL_PIXELFORMAT_ARGB8888,
                                       SDL_TEXTUREACCESS_STREAMING, w, h);
        s->tex_w = w;
        s->tex_h = h;
        SDL_SetWindowSize(s->window, w, h);     /* follow the guest's mode */
        y0 = 0;
        y1 = h;
    }
    if (y1 > y0 && s->texture) {
        SDL_Rect r = { 0, y0, w, y1 - y0 };
        SDL_UpdateTexture(s->texture, &r, px + (size_t)y0 * w, w * 4);
    }
    SDL_RenderClear(s->renderer);
    SDL_RenderCopy(s->renderer, s->texture, NULL, NULL);   /* scaled to the window */
    SDL_RenderPresent(s->renderer);
    poll_events(s);
    timer_mod(s->timer, clock_ns(s->ml) + REFRESH_NS);
}

SDLDisplay *sdl_display_new(Display *d, MainLoop *ml, I8042State *kbd, char **err)
{
    if (!d) {
        *err = strdup("-display sdl needs a graphics card (-vga std)");
        return NULL;
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        if (asprintf(err, "-display sdl: cannot initialize SDL: %s", SDL_GetError()) < 0) {
            *err = NULL;
        }
        return NULL;
    }
    const char *drv = SDL_GetCurrentVideoDriver();
    if (!drv || !strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) {
        if (asprintf(err, "-display sdl: no window system (SDL video driver '%s'; is DISPLAY "
                     "set?)", drv ? drv : "none") < 0) {
            *err = NULL;
        }
        SDL_Quit();
        return NULL;
    }
    SDLDisplay *s = calloc(1, sizeof(*s));
    s->display = d;
    s->ml = ml;
    s->kbd = kbd;
    /* no GL in the emulator's process at all: the software renderer draws
     * into the window surface, which SDL would otherwise put on a GL texture
     * (SDL_HINT_FRAMEBUFFER_ACCELERATION's default), loading Mesa's DRI
     * driver; under Xvfb that was swrast_dri.so, whose dlclose at SDL_Quit
     * left two 56-byte blocks an ASan build's LeakSanitizer reported */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    s->window = SDL_CreateWindow("Quetzal", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                 640, 480, SDL_WINDOW_RESIZABLE);
    if (s->window) {
        /* the software renderer: no GL driver threads in the emulator's
         * process (Mesa's llvmpipe hung at start without a window system) */
        s->renderer = SDL_CreateRenderer(s->window, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!s->renderer) {
        if (asprintf(err, "-display sdl: cannot open a window: %s", SDL_GetError()) < 0) {
            *err = NULL;
        }
        sdl_display_free(s);
        return NULL;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    s->timer = timer_new(ml, refresh, s);
    timer_mod(s->timer, clock_ns(ml) + REFRESH_NS);
    return s;
}

void sdl_display_free(SDLDisplay *s)
{
    if (!s) {
        return;
    }
    if (s->timer) {
        timer_free(s->timer);
    }
    if (s->texture) {
        SDL_DestroyTexture(s->texture);
    }
    if (s->renderer) {
        SDL_DestroyRenderer(s->renderer);
    }
    if (s->window) {
        SDL_DestroyWindow(s->window);
    }
    free(s);
    SDL_Quit();
}

#else

SDLDisplay *sdl_display_new(Display *d, MainLoop *ml, I8042State *kbd, char **err)
{
    *err = strdup("-display sdl: SDL support not built in (configure with libsdl2-dev)");
    return NULL;
}

void sdl_display_free(SDLDisplay *s)
{
}

#endif
