// Command dynamodb-api serves minidyn's in-memory implementation of the DynamoDB JSON API on loopback
// for the local platform and the tests. It is not Amazon's DynamoDB: data lives in this process only.
// See docs/adr/0001-local-dynamodb.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

func main() {
	host := flag.String("host", "127.0.0.1", "interface to listen on")
	port := flag.Int("port", 0, "port to listen on; 0 picks a free one")
	flag.Parse()

	listener, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port)))
	if err != nil {
		log.Fatal(err)
	}

	// minidyn applies every request under one lock, so each conditional write and each
	// transaction is atomic, as in DynamoDB: concurrent reservations cannot oversell.
	server := &http.Server{Handler: miniserver.NewServer(), ReadHeaderTimeout: 10 * time.Second}

	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()

	go func() {
		<-stop.Done()

		shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()

		_ = server.Shutdown(shutdown)
	}()

	log.Printf("DynamoDB API (minidyn, in memory) listening on http://%s", listener.Addr())

	if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
