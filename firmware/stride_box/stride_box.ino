/*
 * stride reference sensor box: up to 4 FSRs and an optional belt encoder, streaming the
 * stride sensor-box protocol v1 (docs/protocol.md) over the USB serial port.
 *
 * Boards: any Arduino-class board (Uno/Nano/Pro Mini: ATmega328P 10-bit ADC; Leonardo/
 * Pro Micro; SAMD21/RP2040/ESP32 with a 12-bit ADC). Wiring, sensor placement and
 * calibration: docs/hardware.md.
 *
 * What it does, every loop iteration, never blocking:
 *   - samples all channels every SAMPLE_PERIOD_US (1 kHz), 10 samples per SAMPLES frame;
 *   - counts encoder edges in an interrupt and sends a BELT frame every 20 ms;
 *   - sends HELLO at power-up and every second, STATUS every second;
 *   - sends ERROR when a channel sits at full scale for 2 s (shorted sensor or divider);
 *   - queues frames in a transmit ring and hands the serial port only what fits in its
 *     buffer. A frame that does not fit in the ring is dropped, but still takes its seq
 *     number, so the host sees the gap; the samples are counted in STATUS.
 *
 * The frame code (COBS, CRC, layout) is stride_frame.c, shared with the host test.
 */
#include <Arduino.h>

#include "stride_frame.h"

/* ---------------- configuration ---------------- */
#define BAUD 115200
#define N_CHANNELS 4
#define SAMPLES_PER_FRAME 10
#define SAMPLE_PERIOD_US 1000UL
#define BELT_PERIOD_US 20000UL
#define SECOND_US 1000000UL
#define SHORTED_US 2000000UL

static const uint8_t CHANNEL_PINS[N_CHANNELS] = {A0, A1, A2, A3};
static const uint8_t CHANNEL_ROLES[N_CHANNELS] = {
    SF_ROLE(SF_SIDE_LEFT, SF_PLACE_HEEL), SF_ROLE(SF_SIDE_LEFT, SF_PLACE_TOE),
    SF_ROLE(SF_SIDE_RIGHT, SF_PLACE_HEEL), SF_ROLE(SF_SIDE_RIGHT, SF_PLACE_TOE)};
/* From the calibration in docs/hardware.md: ADC counts at no load, newtons per count. */
static const int16_t CHANNEL_OFFSETS[N_CHANNELS] = {0, 0, 0, 0};
static const float CHANNEL_SCALES[N_CHANNELS] = {0.0f, 0.0f, 0.0f, 0.0f};

/* Belt encoder: channel A and B on interrupt-capable pins; 0 counts/m = no encoder. */
#define ENCODER_PIN_A 2
#define ENCODER_PIN_B 3
static const float BELT_COUNTS_PER_M = 0.0f;

static const uint8_t DEVICE_ID[8] = {'S', 'T', 'R', 'D', 'B', 'O', 'X', '1'};
#define FW_MAJOR 1
#define FW_MINOR 0

#if defined(ARDUINO_ARCH_AVR)
#define ADC_BITS 10
#else
#define ADC_BITS 12
#endif

/* ---------------- transmit ring ---------------- */
#define TX_RING 512
static uint8_t tx_ring[TX_RING];
static uint16_t tx_head = 0, tx_tail = 0; /* head: next write; tail: next send */
static uint8_t frame_buf[SF_WIRE_SIZE(4 + 2 * N_CHANNELS * SAMPLES_PER_FRAME) + 64];

static uint16_t ring_free(void) {
    return (uint16_t)(TX_RING - 1 - ((tx_head - tx_tail + TX_RING) % TX_RING));
}

/* ---------------- state ---------------- */
static uint16_t seq = 0;
static uint32_t dropped_samples = 0;
static uint16_t status_flags = 0;
static int16_t samples[SAMPLES_PER_FRAME * N_CHANNELS];
static uint8_t n_in_frame = 0;
static uint32_t frame_t0 = 0;
static uint32_t next_sample = 0, next_belt = 0, next_second = 0, last_belt = 0;
static uint32_t full_since[N_CHANNELS];
static bool shorted_reported[N_CHANNELS];
static volatile int32_t encoder_counts = 0;

/* Queue one built frame, or drop it (it keeps its seq: the host marks a gap). */
static bool queue_frame(size_t n) {
    seq++;
    if (n == 0 || n > ring_free()) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        tx_ring[tx_head] = frame_buf[i];
        tx_head = (uint16_t)((tx_head + 1) % TX_RING);
    }
    return true;
}

/* Some USB-serial cores do not implement availableForWrite() (it returns 0): set this to
   the bytes to hand the port per loop on such boards (e.g. 64); 0 = ask the port. */
#define ASSUME_WRITE_ROOM 0

static void pump_serial(void) {
    int room = ASSUME_WRITE_ROOM > 0 ? ASSUME_WRITE_ROOM : Serial.availableForWrite();
    while (room > 0 && tx_tail != tx_head) {
        uint16_t end = tx_head > tx_tail ? tx_head : TX_RING;
        uint16_t n = (uint16_t)min((int)(end - tx_tail), room);
        Serial.write(tx_ring + tx_tail, n);
        tx_tail = (uint16_t)((tx_tail + n) % TX_RING);
        room -= n;
    }
}

static void encoder_isr(void) {
    /* x2 quadrature decoding on edges of A: direction from B. */
    bool a = digitalRead(ENCODER_PIN_A);
    bool b = digitalRead(ENCODER_PIN_B);
    encoder_counts += (a == b) ? -1 : 1;
}

static uint16_t supply_mv(void) {
#if defined(__AVR_ATmega328P__)
    /* Measure the 1.1 V band-gap against AVcc. */
    ADMUX = _BV(REFS0) | _BV(MUX3) | _BV(MUX2) | _BV(MUX1);
    delayMicroseconds(200);
    ADCSRA |= _BV(ADSC);
    while (bit_is_set(ADCSRA, ADSC)) {
    }
    uint16_t adc = ADC;
    return adc ? (uint16_t)(1125300UL / adc) : 0;
#else
    return 0; /* not measured */
#endif
}

static void send_hello(uint32_t now) {
    sf_hello_t h;
    memset(&h, 0, sizeof h);
    h.fw_major = FW_MAJOR;
    h.fw_minor = FW_MINOR;
    memcpy(h.device_id, DEVICE_ID, 8);
    h.sample_rate_hz = (uint16_t)(SECOND_US / SAMPLE_PERIOD_US);
    h.adc_bits = ADC_BITS;
    h.belt_counts_per_m = BELT_COUNTS_PER_M;
    h.n_channels = N_CHANNELS;
    for (uint8_t c = 0; c < N_CHANNELS; c++) {
        h.channels[c].role = CHANNEL_ROLES[c];
        h.channels[c].offset = CHANNEL_OFFSETS[c];
        h.channels[c].scale = CHANNEL_SCALES[c];
    }
    queue_frame(sf_build_hello(frame_buf, seq, now, &h));
}

static void flush_samples(void) {
    if (n_in_frame == 0) {
        return;
    }
    size_t n = sf_build_samples(frame_buf, seq, frame_t0, (uint16_t)SAMPLE_PERIOD_US,
                                N_CHANNELS, n_in_frame, samples);
    if (!queue_frame(n)) {
        dropped_samples += n_in_frame;
        status_flags |= SF_FLAG_DROPPED;
    }
    n_in_frame = 0;
}

static void take_sample(uint32_t t, uint32_t now) {
    if (n_in_frame == 0) {
        frame_t0 = t;
    }
    const int16_t full = (int16_t)((1 << ADC_BITS) - 1);
    for (uint8_t c = 0; c < N_CHANNELS; c++) {
        int16_t v = (int16_t)analogRead(CHANNEL_PINS[c]);
        samples[n_in_frame * N_CHANNELS + c] = v;
        if (v >= full) {
            status_flags |= SF_FLAG_SATURATED;
            if (full_since[c] == 0) {
                full_since[c] = now | 1;
            } else if (!shorted_reported[c] && now - full_since[c] > SHORTED_US) {
                char msg[40];
                snprintf(msg, sizeof msg, "channel %u at full scale for 2 s", c);
                queue_frame(sf_build_error(frame_buf, seq, now, SF_ERR_SHORTED, msg));
                shorted_reported[c] = true;
            }
        } else {
            full_since[c] = 0;
            shorted_reported[c] = false;
        }
    }
    if (++n_in_frame == SAMPLES_PER_FRAME) {
        flush_samples();
    }
}

void setup() {
    Serial.begin(BAUD);
#if ADC_BITS == 12 && !defined(ARDUINO_ARCH_AVR)
    analogReadResolution(12);
#endif
    if (BELT_COUNTS_PER_M > 0) {
        pinMode(ENCODER_PIN_A, INPUT_PULLUP);
        pinMode(ENCODER_PIN_B, INPUT_PULLUP);
        attachInterrupt(digitalPinToInterrupt(ENCODER_PIN_A), encoder_isr, CHANGE);
    }
    uint32_t now = micros();
    next_sample = now;
    next_belt = now + BELT_PERIOD_US;
    last_belt = now;
    next_second = now + SECOND_US;
    send_hello(now);
}

void loop() {
    uint32_t now = micros();
    if ((int32_t)(now - next_sample) >= 0) {
        if (now - next_sample >= 2 * SAMPLE_PERIOD_US) {
            /* Fell behind (e.g. a long interrupt): count the skipped samples, and start a
               new frame so that every frame keeps its regular sample spacing. */
            uint32_t skipped = (now - next_sample) / SAMPLE_PERIOD_US;
            dropped_samples += skipped;
            status_flags |= SF_FLAG_DROPPED;
            flush_samples();
            seq++; /* the skipped samples count as one lost frame: the host marks a gap */
            next_sample += skipped * SAMPLE_PERIOD_US;
        }
        take_sample(next_sample, now);
        next_sample += SAMPLE_PERIOD_US;
    }
    if (BELT_COUNTS_PER_M > 0 && (int32_t)(now - next_belt) >= 0) {
        noInterrupts();
        int32_t counts = encoder_counts;
        encoder_counts = 0;
        interrupts();
        queue_frame(sf_build_belt(frame_buf, seq, now, counts, now - last_belt));
        last_belt = now;
        next_belt += BELT_PERIOD_US;
    }
    if ((int32_t)(now - next_second) >= 0) {
        send_hello(now);
        queue_frame(sf_build_status(frame_buf, seq, now, status_flags, dropped_samples,
                                    supply_mv()));
        status_flags = 0;
        next_second += SECOND_US;
    }
    pump_serial();
}
