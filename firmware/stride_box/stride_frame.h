/*
 * stride sensor-box protocol v1: frame building (docs/protocol.md).
 *
 * Plain C99 with no Arduino dependency, shared by the sketch (stride_box.ino) and the host
 * test program (firmware/host/emit_frames.c), which the Python test suite compiles with the
 * system compiler and decodes with the Python decoder in every test run.
 *
 * Every sf_build_* function writes a complete wire frame into `out`: the COBS-encoded
 * frame followed by the 0x00 delimiter, and returns its length in bytes. `out` must hold
 * SF_MAX_WIRE bytes (or SF_WIRE_SIZE(payload) for a known payload size).
 *
 * Floats are written as IEEE-754 binary32, little-endian (AVR, ARM Cortex-M, ESP32 and x86
 * hosts all use IEEE-754 floats).
 */
#ifndef STRIDE_FRAME_H
#define STRIDE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SF_PROTOCOL_VERSION 1

#define SF_T_HELLO 0x01
#define SF_T_SAMPLES 0x02
#define SF_T_BELT 0x03
#define SF_T_STATUS 0x04
#define SF_T_ERROR 0x05

#define SF_FLAG_SATURATED 0x01
#define SF_FLAG_DROPPED 0x02
#define SF_FLAG_ENCODER 0x04

#define SF_ERR_OPEN 1
#define SF_ERR_SHORTED 2
#define SF_ERR_ENCODER 3
#define SF_ERR_OTHER 255

#define SF_SIDE_LEFT 1
#define SF_SIDE_RIGHT 2
#define SF_PLACE_HEEL 0
#define SF_PLACE_TOE 1
#define SF_PLACE_MID 2
#define SF_PLACE_LATERAL 3
#define SF_PLACE_MEDIAL 4
#define SF_PLACE_FOOT 15
#define SF_ROLE(side, place) ((uint8_t)(((side) << 4) | (place)))

#define SF_MAX_CHANNELS 16
#define SF_MAX_SAMPLES 64
#define SF_HEADER 7
#define SF_CRC 2
/* Wire size of a frame with a payload of p bytes: COBS adds 1 byte per 254, plus 0x00. */
#define SF_FRAME_SIZE(p) (SF_HEADER + (p) + SF_CRC)
#define SF_WIRE_SIZE(p) (SF_FRAME_SIZE(p) + SF_FRAME_SIZE(p) / 254 + 2)
#define SF_MAX_PAYLOAD (4 + 2 * SF_MAX_CHANNELS * SF_MAX_SAMPLES)
#define SF_MAX_WIRE SF_WIRE_SIZE(SF_MAX_PAYLOAD)
#define SF_ERROR_MAX_TEXT 64

typedef struct {
    uint8_t role;    /* SF_ROLE(side, place) */
    int16_t offset;  /* ADC counts at no load */
    float scale;     /* newtons per count above offset; 0 = uncalibrated */
} sf_channel_t;

typedef struct {
    uint8_t fw_major;
    uint8_t fw_minor;
    uint8_t device_id[8];
    uint16_t sample_rate_hz;
    uint8_t adc_bits;
    float belt_counts_per_m; /* 0 = no encoder */
    uint8_t n_channels;      /* 1..16 */
    sf_channel_t channels[SF_MAX_CHANNELS];
} sf_hello_t;

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF; sf_crc16("123456789", 9) == 0x29B1. */
uint16_t sf_crc16(const uint8_t *data, size_t n);

/* COBS-encode n bytes into out (at most n + n / 254 + 1 bytes); returns the length. */
size_t sf_cobs_encode(const uint8_t *in, size_t n, uint8_t *out);

/* Header + payload + CRC -> COBS + 0x00 into out; returns the wire length. */
size_t sf_build_frame(uint8_t *out, uint8_t type, uint16_t seq, uint32_t t_us,
                      const uint8_t *payload, size_t payload_len);

size_t sf_build_hello(uint8_t *out, uint16_t seq, uint32_t t_us, const sf_hello_t *hello);

/* values: n samples x channels, sample-major (s0c0 s0c1 .. s1c0 ..). 0 if sizes are bad. */
size_t sf_build_samples(uint8_t *out, uint16_t seq, uint32_t t_us, uint16_t period_us,
                        uint8_t channels, uint8_t n, const int16_t *values);

size_t sf_build_belt(uint8_t *out, uint16_t seq, uint32_t t_us, int32_t counts,
                     uint32_t interval_us);

size_t sf_build_status(uint8_t *out, uint16_t seq, uint32_t t_us, uint16_t flags,
                       uint32_t dropped, uint16_t supply_mv);

/* message: ASCII, NUL-terminated; at most SF_ERROR_MAX_TEXT characters are sent. */
size_t sf_build_error(uint8_t *out, uint16_t seq, uint32_t t_us, uint8_t code,
                      const char *message);

#ifdef __cplusplus
}
#endif

#endif /* STRIDE_FRAME_H */
